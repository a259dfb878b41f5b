// The map on the action and event forms (issue #15): clicking it, or dragging
// its marker, fills the latitude and longitude fields; typing in them moves
// the marker. With a geocoder configured, "Find the address on the map" asks
// the server (never the geocoder directly) and offers what it found. Texts
// come from the container's data-* attributes, translated by the server.
(function () {
  "use strict";

  var box = document.querySelector(".location-picker");
  var latitude = document.getElementById("id_latitude");
  var longitude = document.getElementById("id_longitude");
  if (!box || !latitude || !longitude || !window.L) {
    return;
  }
  var data = box.dataset;
  box.hidden = false;
  var element = box.querySelector(".location-map");
  var status = box.querySelector(".location-picker__status");
  var map = L.map(element, { minZoom: 1 });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { attribution: data.tileAttribution || "", maxZoom: 19 }).addTo(map);
  }
  var marker = null;

  function typed() {
    var lat = parseFloat(latitude.value);
    var lon = parseFloat(longitude.value);
    if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
      return L.latLng(lat, lon);
    }
    return null;
  }

  function place(point, fill) {
    if (!marker) {
      marker = L.marker(point, { draggable: true, keyboard: false }).addTo(map);
      marker.on("dragend", function () {
        place(marker.getLatLng(), true);
      });
    } else {
      marker.setLatLng(point);
    }
    if (fill) {
      latitude.value = point.lat.toFixed(6);
      longitude.value = L.Util.wrapNum(point.lng, [-180, 180], true).toFixed(6);
      status.textContent = data.textSet
        .replace("%(lat)s", latitude.value)
        .replace("%(lon)s", longitude.value);
    }
  }

  var start = typed();
  if (start) {
    map.setView(start, 14);
    place(start, false);
  } else {
    map.fitBounds([[-60, -170], [75, 180]]);
  }
  map.on("click", function (event) {
    place(event.latlng, true);
  });
  [latitude, longitude].forEach(function (input) {
    input.addEventListener("change", function () {
      var point = typed();
      if (point) {
        place(point, false);
        map.panTo(point);
      }
    });
  });

  var find = box.querySelector(".location-picker__find");
  var results = box.querySelector(".location-picker__results");
  var address = document.getElementById("id_address");
  if (!find || !results || !address || !data.geocodeUrl) {
    return;
  }
  find.addEventListener("click", function () {
    var query = address.value.trim();
    results.textContent = "";
    if (!query) {
      address.focus();
      return;
    }
    fetch(data.geocodeUrl + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        if (!answer.results.length) {
          status.textContent = data.textNone;
          return;
        }
        answer.results.forEach(function (found) {
          var item = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.textContent = found.name;
          button.addEventListener("click", function () {
            var point = L.latLng(found.latitude, found.longitude);
            place(point, true);
            map.setView(point, 16);
            results.textContent = "";
          });
          item.appendChild(button);
          results.appendChild(item);
        });
      })
      .catch(function () {
        status.textContent = data.textError;
      });
  });
})();
