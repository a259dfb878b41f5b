// The map of a day of action's events (/days/<slug>/): draws the markers of
// the page's GeoJSON endpoint with the vendored Leaflet, once, framed on
// the events. Without this script (or without tiles) the page still lists
// every event by place below the map.
//
// CSP: nothing here writes HTML text or style attributes. Leaflet positions
// its panes by setting element.style from script (the CSSOM), which the
// Content-Security-Policy's style-src does not block; markers are SVG
// circles and popups are DOM nodes built with textContent.
(function () {
  "use strict";

  var element = document.getElementById("day-map");
  if (!element || !window.L || !window.fetch) {
    return;
  }

  var data = element.dataset;
  var statusLine = document.getElementById("day-map-status");
  var WORLD = [[-60, -170], [75, 180]];

  element.classList.add("actions-map--live");
  var map = L.map(element, { worldCopyJump: true, minZoom: 1 });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { attribution: data.tileAttribution || "", maxZoom: 19 }).addTo(map);
  } else {
    element.classList.add("actions-map--plain");
  }
  map.fitBounds(WORLD);
  var markers = L.layerGroup().addTo(map);

  function say(text) {
    if (statusLine) {
      statusLine.textContent = text;
    }
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
    if (points.length) {
      map.fitBounds(L.latLngBounds(points), { maxZoom: 12, padding: [24, 24] });
    }
  }

  fetch(data.geojsonUrl, {
    credentials: "same-origin",
    headers: { Accept: "application/geo+json, application/json" },
  })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(draw)
    .catch(function () {
      say(data.textError);
    });
})();
