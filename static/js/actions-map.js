// The map of actions (/actions/map/): draws the actions of the visible area
// with the vendored Leaflet, from the page's GeoJSON endpoint, and reloads
// them when the map moves. Without this script (or without tiles) the page
// still lists the same actions below the map.
//
// CSP: nothing here writes HTML text or style attributes. Leaflet positions
// its panes by setting element.style from script (the CSSOM), which the
// Content-Security-Policy's style-src does not block; markers are SVG
// circles and popups are DOM nodes built with textContent.
(function () {
  "use strict";

  var element = document.getElementById("actions-map");
  if (!element || !window.L || !window.fetch) {
    return;
  }

  var data = element.dataset;
  var statusLine = document.getElementById("actions-map-status");
  var bboxInput = document.querySelector('input[name="bbox"]');
  var WORLD = [[-60, -170], [75, 180]];
  var pending = null;
  var timer = null;
  var fitted = false;

  element.classList.add("actions-map--live");
  var map = L.map(element, { worldCopyJump: true, minZoom: 1 });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { attribution: data.tileAttribution || "", maxZoom: 19 }).addTo(map);
  } else {
    element.classList.add("actions-map--plain");
  }
  var markers = L.layerGroup().addTo(map);

  function say(text) {
    if (statusLine) {
      statusLine.textContent = text;
    }
  }

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

  function popupFor(feature) {
    var props = feature.properties;
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = props.url;
    link.textContent = props.title;
    box.appendChild(link);
    var when = document.createElement("p");
    var time = document.createElement("time");
    time.dateTime = props.starts_at;
    time.textContent = new Date(props.starts_at).toLocaleString(document.documentElement.lang || undefined, {
      dateStyle: "medium",
      timeStyle: "short",
    });
    when.appendChild(time);
    box.appendChild(when);
    return box;
  }

  function draw(collection) {
    markers.clearLayers();
    var points = [];
    collection.features.forEach(function (feature) {
      var coordinates = feature.geometry.coordinates;
      var point = [coordinates[1], coordinates[0]];
      points.push(point);
      L.circleMarker(point, {
        radius: 8,
        weight: 2,
        color: "#0b5d4b",
        fillColor: "#0b5d4b",
        fillOpacity: 0.6,
      })
        .bindPopup(popupFor(feature))
        .addTo(markers);
    });
    var count = collection.features.length;
    if (collection.truncated) {
      say(data.textTruncated);
    } else if (count === 0) {
      say(data.textNone);
    } else if (count === 1) {
      say(data.textCountOne);
    } else {
      say(data.textCount.replace("%(count)s", String(count)));
    }
    return points;
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
    fetch(data.geojsonUrl + "?" + query, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" },
      signal: pending.signal,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        var points = draw(collection);
        // With no area asked for, the first answer frames the map once.
        if (!fitted && !data.bbox && points.length) {
          fitted = true;
          map.fitBounds(L.latLngBounds(points), { maxZoom: 12, padding: [24, 24] });
        }
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          say(data.textError);
        }
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(load, 250);
  }

  if (data.bbox) {
    var corners = data.bbox.split(",").map(Number);
    var west = corners[0];
    var east = corners[2] < west ? corners[2] + 360 : corners[2];
    map.fitBounds([[corners[1], west], [corners[3], east]]);
  } else {
    map.fitBounds(WORLD);
  }
  map.on("moveend", later);
  load();
})();
