// What both maps share (/actions/map/ and /days/<slug>/): a Leaflet map that
// works without tiles, a status line, popups, and drawing a GeoJSON answer of
// the app's events. Loaded before actions-map.js or day-map.js.
//
// CSP: nothing here writes HTML text or style attributes. Leaflet positions
// its panes by setting element.style from script (the CSSOM), which the
// Content-Security-Policy's style-src does not block; markers are SVG
// circles and popups are DOM nodes built with textContent.
(function () {
  "use strict";

  var WORLD = [[-60, -170], [75, 180]];

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

  // A map on `element` (its data-* attributes carry the tile URL and the
  // status texts) and a function to say things in the status line.
  function create(element, statusLine) {
    var data = element.dataset;
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

    // Replace the markers with a FeatureCollection's; returns their points.
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

    function frame(points) {
      map.fitBounds(L.latLngBounds(points), { maxZoom: 12, padding: [24, 24] });
    }

    function fetchJson(url, signal) {
      return fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/geo+json, application/json" },
        signal: signal,
      }).then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      });
    }

    return { map: map, data: data, say: say, draw: draw, frame: frame, fetchJson: fetchJson };
  }

  window.CoalitionMap = { create: create, WORLD: WORLD };
})();
