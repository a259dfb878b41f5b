// Report progress: while a report is queued or being built, refresh its status
// and percentage from progress.json every few seconds, then reload once it is
// done so the downloads (or the error) come from the server. The page has a
// refresh link that does the same without JavaScript.
(function () {
  "use strict";

  var section = document.querySelector("[data-report-progress-url]");
  if (!section) {
    return;
  }
  var state = section.getAttribute("data-report-state");
  if (state !== "queued" && state !== "building") {
    return;
  }
  var url = section.getAttribute("data-report-progress-url");
  var bar = section.querySelector("progress");
  var percent = section.querySelector("[data-report-percent]");
  var delay = 2000;
  var failures = 0;

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
        if (bar) {
          bar.value = progress.progress;
        }
        if (percent) {
          percent.textContent = String(progress.progress);
        }
        if (progress.status === "queued" || progress.status === "building") {
          window.setTimeout(poll, delay);
        } else {
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
