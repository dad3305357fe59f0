(function () {
  "use strict";
  // Sortable tables: numbers by data-value, text by content; "–" cells sort last.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[table.tHead.rows.length - 1].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var sort = function () {
        var current = th.getAttribute("aria-sort");
        var asc = current ? current === "descending" : !th.classList.contains("num");
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (row) {
          var cell = row.cells[col];
          if (!cell) return null;
          if (cell.dataset.value !== undefined) return parseFloat(cell.dataset.value);
          var text = cell.textContent.trim();
          return text === "–" ? null : text.toLowerCase();
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (x === null) return y === null ? 0 : 1;
          if (y === null) return -1;
          var c = x < y ? -1 : x > y ? 1 : 0;
          return asc ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
    });
  });
  // Tooltips for chart marks (data-tip); the SVG <title> is the fallback.
  var tip = document.getElementById("tip");
  document.querySelectorAll("svg .mark").forEach(function (mark) {
    mark.addEventListener("mousemove", function (e) {
      tip.textContent = mark.getAttribute("data-tip");
      tip.hidden = false;
      tip.style.left = (e.clientX + 12) + "px";
      tip.style.top = (e.clientY + 12) + "px";
    });
    mark.addEventListener("mouseleave", function () { tip.hidden = true; });
  });
  document.documentElement.setAttribute("data-js", "ok");  // the inline script ran
})();
