(function () {
  "use strict";

  // Every name below comes from the user's files: text goes in with textContent and attributes
  // with setAttribute, never as markup.
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var MODES = ["raw", "minified", "gzip", "br"];
  var LABELS = { raw: "raw", minified: "minified", gzip: "gzip", br: "brotli" };
  var TYPES = {
    css: ["css"],
    js: ["js", "mjs", "cjs"],
    image: ["png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp"],
    font: ["woff", "woff2", "ttf", "otf", "eot"]
  };
  var state = { mode: "minified", sortKey: "name", sortDirection: 1 };

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function formatSize(value) {
    if (value === null || value === undefined) return "-";
    if (value < 1000) return value + " B";
    if (value < 1000000) return (value / 1000).toFixed(1) + " kB";
    return (value / 1000000).toFixed(2) + " MB";
  }

  function formatDelta(value) {
    if (value === 0) return "\u00b10 B";
    return (value > 0 ? "+" : "\u2212") + formatSize(Math.abs(value));
  }

  function typeOf(name) {
    var extension = name.slice(name.lastIndexOf(".") + 1).toLowerCase();
    for (var type in TYPES) {
      if (TYPES[type].indexOf(extension) >= 0) return type;
    }
    return "other";
  }

  function baseName(name) {
    return name.slice(name.lastIndexOf("/") + 1);
  }

  // -- the treemap: squarified (Bruls, Huizing, van Wijk 2000) ----------------------------------

  function worst(row, side) {
    var sum = 0, max = 0, min = Infinity;
    for (var i = 0; i < row.length; i++) {
      sum += row[i];
      if (row[i] > max) max = row[i];
      if (row[i] < min) min = row[i];
    }
    var side2 = side * side, sum2 = sum * sum;
    return Math.max((side2 * max) / sum2, sum2 / (side2 * min));
  }

  // Rectangles for values (largest first), filling the rectangle x, y, w, h.
  function squarify(values, x, y, w, h) {
    var total = 0;
    values.forEach(function (v) { total += v; });
    var out = [];
    if (total <= 0 || w <= 0 || h <= 0) {
      values.forEach(function () { out.push({ x: x, y: y, w: 0, h: 0 }); });
      return out;
    }
    var scale = (w * h) / total;
    var areas = values.map(function (v) { return v * scale; });
    var row = [];
    var i = 0;
    function place(areasOfRow) {
      var sum = 0;
      areasOfRow.forEach(function (a) { sum += a; });
      if (w >= h) {
        var columnWidth = h > 0 ? sum / h : 0;
        var top = y;
        areasOfRow.forEach(function (a) {
          var height = columnWidth > 0 ? a / columnWidth : 0;
          out.push({ x: x, y: top, w: columnWidth, h: height });
          top += height;
        });
        x += columnWidth;
        w -= columnWidth;
      } else {
        var rowHeight = w > 0 ? sum / w : 0;
        var left = x;
        areasOfRow.forEach(function (a) {
          var width = rowHeight > 0 ? a / rowHeight : 0;
          out.push({ x: left, y: y, w: width, h: rowHeight });
          left += width;
        });
        y += rowHeight;
        h -= rowHeight;
      }
    }
    while (i < areas.length) {
      var side = Math.min(w, h);
      if (row.length === 0 || worst(row.concat([areas[i]]), side) <= worst(row, side)) {
        row.push(areas[i]);
        i++;
      } else {
        place(row);
        row = [];
      }
    }
    if (row.length) place(row);
    return out;
  }

  // An empty file still gets a cell (and a row): one byte's worth of area, not none.
  function area(value) {
    return Math.max(value, 1);
  }

  function tooltip(lines) {
    return lines.join("\n");
  }

  function sizesText(sizes) {
    return MODES.map(function (m) { return LABELS[m] + " " + formatSize(sizes[m]); }).join(", ");
  }

  function makeCell(kind, name, type) {
    var cell = el("div", null, "cell " + kind);
    cell.setAttribute("data-kind", kind === "input" ? "input" : "asset");
    cell.setAttribute("data-name", name);
    cell.setAttribute("data-type", type);
    cell.appendChild(el("span", baseName(name), "name"));
    cell.appendChild(document.createTextNode(" "));
    cell.appendChild(el("span", "", "size"));
    return cell;
  }

  function position(cell, rect) {
    cell.style.left = rect.x.toFixed(2) + "px";
    cell.style.top = rect.y.toFixed(2) + "px";
    cell.style.width = Math.max(rect.w, 0).toFixed(2) + "px";
    cell.style.height = Math.max(rect.h, 0).toFixed(2) + "px";
  }

  var cells = null; // name -> {cell, row, inputs: [{cell, part}]}

  function buildTreemap() {
    var map = document.getElementById("treemap");
    cells = {};
    data.assets.forEach(function (row) {
      var type = typeOf(row.logical_path);
      var bundle = row.parts.length > 0;
      var cell = makeCell(bundle ? "asset bundle" : "asset", row.logical_path, type);
      cell.setAttribute("title", tooltip([row.logical_path, row.release_path, sizesText(row.sizes)]));
      cell.addEventListener("click", function () { highlight(row.logical_path); });
      map.appendChild(cell);
      var inputs = row.parts.map(function (part) {
        var inner = makeCell("input", part.logical_path, type);
        inner.setAttribute("data-bundle", row.logical_path);
        inner.setAttribute(
          "title",
          tooltip([
            part.logical_path + " (in " + row.logical_path + ")",
            sizesText(part.sizes),
            part.measured === "filtered" ? "measured after the bundle's filters" : "measured raw"
          ])
        );
        inner.addEventListener("click", function (event) {
          event.stopPropagation();
          highlight(row.logical_path);
        });
        map.appendChild(inner);
        return { cell: inner, part: part };
      });
      cells[row.logical_path] = { cell: cell, row: row, inputs: inputs };
    });
  }

  function layoutTreemap() {
    var map = document.getElementById("treemap");
    var width = map.clientWidth, height = map.clientHeight;
    var mode = state.mode;
    var rows = data.assets.slice().sort(function (a, b) {
      return b.sizes[mode] - a.sizes[mode] || (a.logical_path < b.logical_path ? -1 : 1);
    });
    var rects = squarify(rows.map(function (r) { return area(r.sizes[mode]); }), 0, 0, width, height);
    rows.forEach(function (row, index) {
      var entry = cells[row.logical_path];
      var rect = rects[index];
      position(entry.cell, rect);
      entry.cell.querySelector(".size").textContent = formatSize(row.sizes[mode]);
      if (!entry.inputs.length) return;
      // The inputs share the bundle's cell by their own measure, under a strip for its name.
      var header = rect.h > 40 && rect.w > 60 ? 16 : 0;
      var inner = { x: rect.x + 2, y: rect.y + header + 1, w: rect.w - 4, h: rect.h - header - 3 };
      var inputs = entry.inputs.slice().sort(function (a, b) {
        return b.part.sizes[mode] - a.part.sizes[mode];
      });
      var innerRects = squarify(
        inputs.map(function (i) { return area(i.part.sizes[mode]); }),
        inner.x, inner.y, Math.max(inner.w, 0), Math.max(inner.h, 0)
      );
      inputs.forEach(function (input, k) {
        position(input.cell, innerRects[k]);
        input.cell.querySelector(".size").textContent = formatSize(input.part.sizes[mode]);
      });
    });
    var total = 0;
    data.assets.forEach(function (r) { total += r.sizes[mode]; });
    document.getElementById("total").textContent =
      data.assets.length + " assets, " + formatSize(total) + " " + LABELS[mode];
    Array.prototype.forEach.call(document.querySelectorAll(".toolbar button"), function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-mode") === mode));
    });
  }

  function legend() {
    var node = document.getElementById("legend");
    node.appendChild(document.createTextNode("Area: the size chosen above. Colour:"));
    ["css", "js", "image", "font", "other"].forEach(function (type) {
      var swatch = el("span", null, "swatch cell-" + type);
      swatch.style.background = getComputedStyle(document.documentElement).getPropertyValue("--" + type);
      node.appendChild(swatch);
      node.appendChild(document.createTextNode(type));
    });
    node.appendChild(
      document.createTextNode(". A bundle is divided into its inputs, each measured on its own.")
    );
  }

  // -- the table ------------------------------------------------------------------------------

  function sortValue(row, key) {
    if (key === "name") return row.logical_path;
    if (key === "release") return row.release_path;
    if (key === "integrity") return row.integrity;
    if (key === "references") return row.references.length;
    if (key === "referenced_by") return row.referenced_by.length;
    return row.sizes[key];
  }

  function namesCell(names) {
    var cell = el("td", names.length ? null : "-", "path");
    names.forEach(function (name, index) {
      if (index) cell.appendChild(el("br"));
      cell.appendChild(document.createTextNode(name));
    });
    return cell;
  }

  function sizeCell(row, mode) {
    var cell = el("td", formatSize(row.sizes[mode]), "number");
    var origin = row.origins[mode];
    if (origin && origin !== "variant") {
      cell.appendChild(el("br"));
      cell.appendChild(el("span", origin === "as is" ? "served as is" : "computed", "origin"));
    }
    return cell;
  }

  function fillTable() {
    var body = document.querySelector("#assets tbody");
    var key = state.sortKey, direction = state.sortDirection;
    var rows = data.assets.slice().sort(function (a, b) {
      var x = sortValue(a, key), y = sortValue(b, key);
      if (x < y) return -direction;
      if (x > y) return direction;
      return a.logical_path < b.logical_path ? -1 : a.logical_path > b.logical_path ? 1 : 0;
    });
    body.textContent = "";
    rows.forEach(function (row) {
      var tr = el("tr");
      tr.setAttribute("data-name", row.logical_path);
      var name = el("td", null, "path");
      name.appendChild(el("span", row.logical_path, "name"));
      if (row.sources) {
        name.appendChild(el("span", "inputs: " + row.sources.join(", "), "inputs"));
      }
      tr.appendChild(name);
      tr.appendChild(el("td", row.release_path, "path"));
      tr.appendChild(sizeCell(row, "raw"));
      tr.appendChild(sizeCell(row, "minified"));
      tr.appendChild(sizeCell(row, "gzip"));
      tr.appendChild(sizeCell(row, "br"));
      var integrity = tr.appendChild(el("td", row.integrity, "integrity"));
      integrity.setAttribute("title", row.integrity);
      tr.appendChild(namesCell(row.references));
      tr.appendChild(namesCell(row.referenced_by));
      body.appendChild(tr);
    });
    Array.prototype.forEach.call(document.querySelectorAll("#assets th"), function (th) {
      var sorted = th.getAttribute("data-key") === key;
      if (sorted) th.setAttribute("aria-sort", direction > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
  }

  function highlight(name) {
    Array.prototype.forEach.call(document.querySelectorAll("#assets tbody tr"), function (tr) {
      var match = tr.getAttribute("data-name") === name;
      tr.classList.toggle("highlight", match);
      if (match) tr.scrollIntoView({ block: "nearest" });
    });
  }

  // -- change and budgets ---------------------------------------------------------------------

  function table(headers, rows) {
    var node = el("table");
    var head = el("tr");
    headers.forEach(function (h) { head.appendChild(el("th", h[0], h[1])); });
    node.appendChild(el("thead")).appendChild(head);
    var body = node.appendChild(el("tbody"));
    rows.forEach(function (cellsOfRow) {
      var tr = body.appendChild(el("tr"));
      cellsOfRow.forEach(function (c) { tr.appendChild(c); });
    });
    return node;
  }

  function changes() {
    var node = document.getElementById("changes");
    if (data.compared === "none") {
      node.appendChild(
        el("p", "No earlier build in the release's history to compare with; pass --against OLD_MANIFEST to choose one.", "quiet")
      );
      return;
    }
    var counts = { added: 0, removed: 0, grown: 0, shrunk: 0, changed: 0 };
    data.changes.forEach(function (c) { counts[c.kind] += 1; });
    var against = data.compared === "against" ? "the manifest given with --against" : "the previous build";
    node.appendChild(
      el(
        "p",
        "Against " + against + ": " + counts.added + " added, " + counts.removed + " removed, " +
          counts.grown + " grown, " + counts.shrunk + " shrunk, " + counts.changed +
          " changed at the same size, " + data.unchanged + " unchanged.",
        "quiet"
      )
    );
    if (!data.changes.length) return;
    var rows = data.changes.map(function (c) {
      var delta = (c.after || 0) - (c.before || 0);
      return [
        el("td", c.logical_path, "path"),
        el("td", c.kind, c.kind),
        el("td", formatSize(c.before), "number"),
        el("td", formatSize(c.after), "number"),
        el("td", formatDelta(delta), "number " + (delta > 0 ? "grown" : delta < 0 ? "shrunk" : ""))
      ];
    });
    var t = table([["Asset"], ["Change"], ["Before", "number"], ["After", "number"], ["Bytes", "number"]], rows);
    t.id = "change-table";
    node.appendChild(t);
  }

  function budgets() {
    var node = document.getElementById("budgets");
    if (data.budgets === null) {
      node.appendChild(el("p", "Budgets come from the config; this report was made from a manifest alone.", "quiet"));
      return;
    }
    if (!data.budgets.length) {
      node.appendChild(el("p", "No [budgets] in the config.", "quiet"));
      return;
    }
    var names = { size: "size", gzip: "gzip", br: "brotli" };
    var rows = data.budgets.map(function (b) {
      var used = b.actual === null ? null : b.actual / b.limit;
      var bar = el("span", null, "bar" + (used === null ? "" : used > 1 ? " over" : used > 0.9 ? " near" : ""));
      var fill = bar.appendChild(el("span"));
      fill.style.width = (used === null ? 0 : Math.min(used, 1) * 100).toFixed(1) + "%";
      var usedCell = el("td", null, "number" + (used !== null && used > 1 ? " over" : ""));
      usedCell.appendChild(bar);
      usedCell.appendChild(document.createTextNode(" " + (used === null ? "not in the release" : Math.round(used * 100) + "%")));
      return [
        el("td", b.logical_path, "path"),
        el("td", names[b.measure] || b.measure),
        el("td", formatSize(b.limit), "number"),
        el("td", formatSize(b.actual), "number"),
        usedCell
      ];
    });
    var t = table([["Asset"], ["Measure"], ["Limit", "number"], ["Actual", "number"], ["Used", "number"]], rows);
    t.id = "budget-table";
    node.appendChild(t);
  }

  function summary() {
    var bundles = data.assets.filter(function (r) { return r.sources; }).length;
    document.getElementById("summary").textContent =
      data.assets.length + " assets (" + bundles + " bundles), served under " + data.url;
    if (data.notes.length) {
      var notes = document.getElementById("notes");
      notes.appendChild(el("h2", "Notes"));
      var list = notes.appendChild(el("ul"));
      data.notes.forEach(function (n) { list.appendChild(el("li", n)); });
    }
  }

  summary();
  buildTreemap();
  legend();
  layoutTreemap();
  changes();
  budgets();
  fillTable();

  Array.prototype.forEach.call(document.querySelectorAll(".toolbar button"), function (button) {
    button.addEventListener("click", function () {
      state.mode = button.getAttribute("data-mode");
      layoutTreemap();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("#assets th"), function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      if (state.sortKey === key) state.sortDirection = -state.sortDirection;
      else {
        state.sortKey = key;
        state.sortDirection = key === "name" || key === "release" || key === "integrity" ? 1 : -1;
      }
      fillTable();
    });
  });
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(layoutTreemap, 100);
  });
})();
