// Outreach progress: while a message is being sent, refresh its counts from
// progress.json every few seconds. The page shows the same counts without it.
(function () {
  "use strict";

  var section = document.querySelector("[data-progress-url]");
  if (!section || section.getAttribute("data-progress-state") !== "sending") {
    return;
  }
  var url = section.getAttribute("data-progress-url");
  var bar = section.querySelector("progress");
  var statusLabel = document.querySelector("[data-progress-status]");
  var delay = 3000;
  var failures = 0;

  function show(progress) {
    ["sent", "failed", "left", "suppressed"].forEach(function (name) {
      var cell = section.querySelector('[data-progress-count="' + name + '"]');
      if (cell) {
        cell.textContent = String(progress[name]);
      }
    });
    if (bar) {
      bar.max = progress.total;
      bar.value = progress.sent;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        failures = 0;
        show(progress);
        if (progress.status === "sending") {
          window.setTimeout(poll, delay);
        } else {
          // Finished: reload once so the status and dates come from the server.
          window.location.reload();
        }
      })
      .catch(function () {
        failures += 1;
        if (failures < 5) {
          window.setTimeout(poll, delay * (failures + 1));
        }
      });
  }

  window.setTimeout(poll, delay);
})();
