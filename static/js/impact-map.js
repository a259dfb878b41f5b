// The map of the public impact page (/impact/): draws the network's public
// actions once, framed on them. It asks the markers endpoint without the
// visitor's cookies, so a logged-in visitor sees the same public markers as
// everyone else. Without this script the page still lists the actions.
(function () {
  "use strict";

  var element = document.getElementById("impact-map");
  if (!element || !window.L || !window.fetch || !window.CoalitionMap) {
    return;
  }
  var view = CoalitionMap.create(element, document.getElementById("impact-map-status"));
  var data = view.data;
  view.map.fitBounds(CoalitionMap.WORLD);

  var query = "bbox=" + encodeURIComponent(data.bbox);
  if (data.until) {
    query += "&date_to=" + encodeURIComponent(data.until);
  }
  fetch(data.geojsonUrl + "?" + query, {
    credentials: "omit",
    headers: { Accept: "application/geo+json, application/json" },
  })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(function (collection) {
      var points = view.draw(collection);
      if (points.length) {
        view.frame(points);
      }
    })
    .catch(function () {
      view.say(data.textError);
    });
})();
