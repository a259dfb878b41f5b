// The map of a day of action's events (/days/<slug>/): draws the markers of
// the page's GeoJSON endpoint once, framed on the events. Without this script
// (or without tiles) the page still lists every event by place below the map.
(function () {
  "use strict";

  var element = document.getElementById("day-map");
  if (!element || !window.L || !window.fetch || !window.CoalitionMap) {
    return;
  }
  var view = CoalitionMap.create(element, document.getElementById("day-map-status"));
  view.map.fitBounds(CoalitionMap.WORLD);

  view
    .fetchJson(view.data.geojsonUrl)
    .then(function (collection) {
      var points = view.draw(collection);
      if (points.length) {
        view.frame(points);
      }
    })
    .catch(function () {
      view.say(view.data.textError);
    });
})();
