// "Near me" on the lists and maps (issue #15): asks the browser for the
// visitor's position only when the button is pressed, puts it in the form's
// lat/lon fields and sends the form. The position travels in the URL of that
// one request and is never stored.
(function () {
  "use strict";

  if (!navigator.geolocation) {
    return;
  }
  document.querySelectorAll("button.near-me").forEach(function (button) {
    var form = button.form;
    if (!form || !form.elements.lat || !form.elements.lon) {
      return;
    }
    var status = button.parentNode.querySelector(".near-me__status");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude.toFixed(5);
          form.elements.lon.value = position.coords.longitude.toFixed(5);
          if (form.elements.within && !form.elements.within.value) {
            form.elements.within.value = button.dataset.defaultKm;
          }
          form.submit();
        },
        function () {
          if (status) {
            status.textContent = button.dataset.textDenied;
          }
        },
        { maximumAge: 600000, timeout: 15000 }
      );
    });
  });
})();
