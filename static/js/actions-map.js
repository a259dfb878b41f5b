// The map of actions (/actions/map/): draws the actions of the visible area
// from the page's GeoJSON endpoint, and reloads them when the map moves.
// Without this script (or without tiles) the page still lists the same
// actions below the map.
(function () {
  "use strict";

  var element = document.getElementById("actions-map");
  if (!element || !window.L || !window.fetch || !window.CoalitionMap) {
    return;
  }
  var view = CoalitionMap.create(element, document.getElementById("actions-map-status"));
  var map = view.map;
  var data = view.data;
  var bboxInput = document.querySelector('input[name="bbox"]');
  var pending = null;
  var timer = null;
  var fitted = false;

  function wrap(longitude) {
    return ((((longitude + 180) % 360) + 360) % 360) - 180;
  }

  function clamp(value, limit) {
    return Math.max(-limit, Math.min(limit, value));
  }

  // The visible area as west,south,east,north within the earth's ranges;
  // west > east when the view crosses the 180th meridian.
  function visibleBox() {
    var bounds = map.getBounds();
    var west = bounds.getWest();
    var east = bounds.getEast();
    if (east - west >= 360) {
      west = -180;
      east = 180;
    } else {
      west = wrap(west);
      east = wrap(east);
      if (east === -180) {
        east = 180;
      }
    }
    return [west, clamp(bounds.getSouth(), 90), east, clamp(bounds.getNorth(), 90)]
      .map(function (value) { return value.toFixed(6); })
      .join(",");
  }

  function load() {
    var box = visibleBox();
    if (bboxInput) {
      // "Show this area" then lists what the map shows.
      bboxInput.value = box;
    }
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    var query = (data.filters ? data.filters + "&" : "") + "bbox=" + encodeURIComponent(box);
    view
      .fetchJson(data.geojsonUrl + "?" + query, pending.signal)
      .then(function (collection) {
        var points = view.draw(collection);
        // "See it on the map": the action's popup opens once its marker is drawn.
        if (focusPending && view.open(data.focusId)) {
          focusPending = false;
        }
        // With no area asked for, the first answer frames the map once.
        if (!fitted && !data.bbox && !data.placeArea && !data.focusId && points.length) {
          fitted = true;
          view.frame(points);
        }
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          view.say(data.textError);
        }
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(load, 250);
  }

  var focusPending = Boolean(data.focusId);

  // west,south,east,north, possibly across the 180th meridian.
  function fitBox(param) {
    var corners = param.split(",").map(Number);
    var west = corners[0];
    var east = corners[2] < west ? corners[2] + 360 : corners[2];
    map.fitBounds([[corners[1], west], [corners[3], east]]);
  }

  if (data.focusId) {
    map.setView([Number(data.focusLat), Number(data.focusLon)], 15);
  } else if (data.placeArea && !data.bbox) {
    // Filtering by a place (or "within N km") frames that place.
    fitBox(data.placeArea);
  } else if (data.bbox) {
    fitBox(data.bbox);
  } else {
    map.fitBounds(CoalitionMap.WORLD);
  }
  map.on("moveend", later);
  load();
})();
