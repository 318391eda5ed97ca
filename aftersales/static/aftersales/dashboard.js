/* The manager dashboard: trend charts (Chart.js, self-hosted), sortable tables and the table filter box.
 *
 * Charts read their data from <script type="application/json"> blocks the server writes (json_script):
 * {"labels": [...], "values": [number|null, ...], "statuses": [...], "threshold": number|null, "unit": "...",
 *  "suffix": " %", "currency": "USD" (money only), "label": "...", "thresholdLabel": "...", "noData": "..."}, every
 * text in the manager's language. A null value is a month without data: a gap, never a zero. With "partial": true
 * the last month is the one in progress: its point is hollow, the line to it dashed, its tooltip says "so far".
 * Tables with data-sortable sort on a header click by each cell's data-sort value (numbers) or its text.
 */
(function () {
  "use strict";

  var STATUS_COLOURS = { green: "#198754", amber: "#fd7e14", red: "#dc3545" };

  function drawTrend(canvas) {
    if (typeof Chart === "undefined") return;
    var source = document.getElementById(canvas.dataset.trend);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var last = data.values.length - 1;
    var inProgress = function (index) { return data.partial && index === last; };
    var colours = data.statuses.map(function (s) { return STATUS_COLOURS[s] || "#6c757d"; });
    var datasets = [{
      label: data.label,
      data: data.values,
      borderColor: "#0d6efd",
      backgroundColor: "rgba(13, 110, 253, 0.12)",
      pointBackgroundColor: colours.map(function (c, i) { return inProgress(i) ? "#fff" : c; }),
      pointBorderColor: colours,
      pointBorderWidth: colours.map(function (c, i) { return inProgress(i) ? 2 : 1; }),
      segment: { borderDash: function (ctx) { return inProgress(ctx.p1DataIndex) ? [4, 4] : undefined; } },
      pointRadius: canvas.dataset.compact ? 2.5 : 4,
      spanGaps: false,
      tension: 0,  // straight segments: a curve between months would show values no month had
      fill: false
    }];
    if (data.threshold !== null) {
      datasets.push({
        label: data.thresholdLabel,
        data: data.labels.map(function () { return data.threshold; }),
        borderColor: "#dc3545",
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        fill: false
      });
    }
    var unit = data.suffix || "";
    var lang = document.documentElement.lang || undefined;  // numbers in the page's language, not the browser's
    // Money in the store's base currency: its symbol on the axis (whole units) and in the tooltip (as stored).
    var axis = function (v) { return v.toLocaleString(lang) + unit; }, exact = axis;
    if (data.currency) {
      axis = function (v) {
        return v.toLocaleString(lang, { style: "currency", currency: data.currency, maximumFractionDigits: 0 });
      };
      exact = function (v) { return v.toLocaleString(lang, { style: "currency", currency: data.currency }); };
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: !canvas.dataset.compact, position: "bottom" },
          tooltip: {
            callbacks: {
              title: function (items) {
                var i = items[0].dataIndex;
                return data.labels[i] + (inProgress(i) ? " (" + data.soFar + ")" : "");
              },
              label: function (ctx) {
                var v = ctx.parsed.y;
                return ctx.dataset.label + ": " + (v === null ? data.noData : exact(v));
              }
            }
          }
        },
        scales: {
          x: { ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12, maxTicksLimit: canvas.dataset.compact ? 6 : 12 } },
          y: { beginAtZero: true, ticks: { callback: axis } }
        }
      }
    });
    canvas.dataset.drawn = "1";
  }

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
    var number = parseFloat(raw);
    return raw !== "" && !isNaN(number) && isFinite(raw) ? number : raw.toLowerCase();
  }

  function sortBy(table, header) {
    var index = Array.prototype.indexOf.call(header.parentNode.children, header);
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return !r.dataset.empty; });
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      var blankX = x === "" || x === "—", blankY = y === "" || y === "—";
      if (blankX !== blankY) return blankX ? 1 : -1;  // no data sorts last either way
      if (x < y) return ascending ? -1 : 1;
      if (x > y) return ascending ? 1 : -1;
      return 0;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  function makeSortable(table) {
    table.querySelectorAll("thead th").forEach(function (th) {
      if (th.dataset.nosort !== undefined) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm p-0 text-reset fw-semibold text-decoration-none dashboard-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, th); });
    });
  }

  function bindFilter(input) {
    var table = document.getElementById(input.dataset.tableFilter);
    if (!table) return;
    input.addEventListener("input", function () {
      var term = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        if (row.dataset.empty) return;
        row.hidden = term !== "" && row.textContent.toLowerCase().indexOf(term) === -1;
      });
    });
  }

  // Trend months a worker computes for several filters: poll their progress, reload the page once all are in.
  // When the months could not be queued, or none has come in for data-stall-seconds, say that the worker has not
  // answered and offer the page with every month computed now; polling goes on (the worker may come back).
  function followProgress(box) {
    var bar = box.querySelector("[data-progress-bar]");
    var stalled = box.querySelector("[data-progress-stalled]");
    var patience = 1000 * (parseFloat(box.dataset.stallSeconds) || 45);
    var ready = -1, since = Date.now();
    var tick = function () {
      fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (state && state.ready !== ready) { ready = state.ready; since = Date.now(); }
          if (stalled) stalled.hidden = !(state && state.queued === false) && Date.now() - since < patience;
          if (!state) return setTimeout(tick, 5000);
          if (state.total) bar.style.width = Math.round(100 * state.ready / state.total) + "%";
          if (state.ready >= state.total) window.location.reload();
          else setTimeout(tick, 2000);
        })
        .catch(function () {
          if (stalled) stalled.hidden = Date.now() - since < patience;
          setTimeout(tick, 5000);
        });
    };
    tick();
  }

  function start() {
    document.querySelectorAll("[data-progress-url]").forEach(followProgress);
    document.querySelectorAll("canvas[data-trend]").forEach(drawTrend);
    document.querySelectorAll("table[data-sortable]").forEach(makeSortable);
    document.querySelectorAll("input[data-table-filter]").forEach(bindFilter);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
