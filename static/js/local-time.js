// Beside each time told in its own zone (<time data-zone>), the visitor's own
// time when their browser is in another zone. Progressive: without it, the
// page still says the time and its zone.
(function () {
  "use strict";
  var visitor;
  try {
    visitor = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!visitor) return;
  var lang = document.documentElement.lang || undefined;
  document.querySelectorAll("time[data-zone]").forEach(function (node) {
    var moment = new Date(node.getAttribute("datetime"));
    if (isNaN(moment.getTime())) return;
    var options = { timeZone: visitor, hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
    var here = new Intl.DateTimeFormat("en", { timeZone: node.dataset.zone, timeZoneName: "longOffset" });
    var there = new Intl.DateTimeFormat("en", { timeZone: visitor, timeZoneName: "longOffset" });
    // Same offset at that moment: nothing to add.
    if (here.format(moment) === there.format(moment)) return;
    if (!node.dataset.onlyTime) {
      options.weekday = "short";
      options.day = "numeric";
      options.month = "short";
    }
    var text = new Intl.DateTimeFormat(lang, options).format(moment);
    var label = node.dataset.visitorLabel || "%(time)s";
    var extra = document.createElement("span");
    extra.className = "visitor-time";
    extra.textContent = " (" + label.replace("%(time)s", text) + ")";
    node.insertAdjacentElement("afterend", extra);
  });
})();
