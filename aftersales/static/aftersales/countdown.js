/* Live countdowns: every <time data-countdown datetime="…"> is re-counted every 30 seconds, in the page's language
   (Intl unit formats), so a queue left open keeps telling the truth without a reload. Past its time the element
   shows its data-late text with "%(t)s" replaced by how long ago; the server renders the first value. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || navigator.language;
  var units = [["day", 86400], ["hour", 3600], ["minute", 60]];

  function part(n, unit) {
    return new Intl.NumberFormat(lang, { style: "unit", unit: unit, unitDisplay: "long" }).format(n);
  }

  function span(seconds) {
    for (var i = 0; i < units.length; i++) {
      var size = units[i][1];
      if (seconds >= size || i === units.length - 1) {
        var whole = Math.floor(seconds / size);
        var text = part(whole, units[i][0]);
        var next = units[i + 1];
        var rest = next ? Math.floor((seconds - whole * size) / next[1]) : 0;
        return rest > 0 ? text + ", " + part(rest, next[0]) : text;
      }
    }
    return "";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      if (isNaN(at)) return;
      var left = Math.round((at - now) / 1000);
      el.textContent = left >= 0 ? span(left) : (el.dataset.late || "%(t)s").replace("%(t)s", span(-left));
    });
  }

  setInterval(tick, 30000);
})();
