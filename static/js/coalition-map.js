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
    if (props.origin) {
      // Another network's event (a followed source): whose it is.
      var origin = document.createElement("p");
      origin.className = "origin";
      origin.textContent = props.origin;
      box.appendChild(origin);
    }
    return box;
  }

  // A map on `element` (its data-* attributes carry the tile URL and the
  // status texts) and a function to say things in the status line.
  function create(element, statusLine) {
    var data = element.dataset;
    element.classList.add("actions-map--live");
    // maxZoom on the map itself: clustering needs it even with no tile layer.
    // No fade: a popup half faded in is text of too little contrast for anyone
    // reading it (and for the journeys' axe check) while it appears.
    var map = L.map(element, {
      worldCopyJump: true,
      minZoom: 1,
      maxZoom: 19,
      fadeAnimation: false,
    });
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { attribution: data.tileAttribution || "", maxZoom: 19 }).addTo(map);
    } else {
      element.classList.add("actions-map--plain");
    }
    // Many markers gather into clusters (the vendored Leaflet.markercluster),
    // so thousands of points stay readable; a plain layer if it is missing.
    var markers = (L.markerClusterGroup
      ? L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false })
      : L.layerGroup()
    ).addTo(map);
    var byId = {};

    function say(text) {
      if (statusLine) {
        statusLine.textContent = text;
      }
    }

    // Replace the markers with a FeatureCollection's; returns their points.
    function draw(collection) {
      markers.clearLayers();
      byId = {};
      var points = [];
      collection.features.forEach(function (feature) {
        var coordinates = feature.geometry.coordinates;
        var point = [coordinates[1], coordinates[0]];
        points.push(point);
        var marker = L.circleMarker(point, {
          radius: 8,
          weight: 2,
          color: "#0b5d4b",
          fillColor: "#0b5d4b",
          fillOpacity: 0.6,
        }).bindPopup(popupFor(feature));
        byId[String(feature.id)] = feature;
        markers.addLayer(marker);
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

    // Open feature `id`'s popup. It belongs to the map, not to the marker, so
    // it stays open while the markers are redrawn or gathered into clusters.
    function open(id) {
      var feature = byId[String(id)];
      if (!feature) {
        return false;
      }
      var coordinates = feature.geometry.coordinates;
      L.popup({ className: "focus-popup" })
        .setLatLng([coordinates[1], coordinates[0]])
        .setContent(popupFor(feature))
        .openOn(map);
      return true;
    }

    return {
      map: map, data: data, say: say, draw: draw, frame: frame, fetchJson: fetchJson, open: open,
    };
  }

  window.CoalitionMap = { create: create, WORLD: WORLD };
})();
