/*
 * Stacked horizontal bar chart of "Mes indicateurs" (one bar per formation).
 * Reads the JSON data island named by data-indicateurs-chart (Django json_script: not executed, so
 * allowed by the CSP) and draws an SVG. No library, no inline code; colours are DSFR tokens set in
 * static/css/effectifs.css through the tdba-serie--<key> classes. The table under the chart carries
 * the same numbers for assistive technologies, so the SVG is hidden from them.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var LABEL_WIDTH = 300;
  var BAR_HEIGHT = 22;
  var GAP = 10;
  var WIDTH = 760;
  var LEGEND_HEIGHT = 34;

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function shorten(label, max) {
    return label.length > max ? label.slice(0, max - 1) + "…" : label;
  }

  function draw(container, data) {
    var rows = data.values.length;
    var height = LEGEND_HEIGHT + rows * (BAR_HEIGHT + GAP) + 4;
    var svg = el("svg", {
      viewBox: "0 0 " + WIDTH + " " + height,
      class: "tdba-graphique__svg",
      "aria-hidden": "true",
      focusable: "false",
    });
    var max = 1;
    data.values.forEach(function (row) {
      var total = 0;
      data.series.forEach(function (serie) {
        total += row[serie.key];
      });
      max = Math.max(max, total);
    });

    // Legend.
    var x = 0;
    data.series.forEach(function (serie) {
      svg.appendChild(el("rect", { x: x, y: 6, width: 14, height: 14, rx: 2, class: "tdba-serie--" + serie.key }));
      svg.appendChild(el("text", { x: x + 20, y: 18, class: "tdba-graphique__legende" }, serie.label));
      x += 30 + serie.label.length * 8;
    });

    var scale = (WIDTH - LABEL_WIDTH - 50) / max;
    data.values.forEach(function (row, index) {
      var y = LEGEND_HEIGHT + index * (BAR_HEIGHT + GAP);
      var label = data.labels[index];
      var text = el("text", { x: LABEL_WIDTH - 8, y: y + BAR_HEIGHT / 2 + 5, "text-anchor": "end", class: "tdba-graphique__libelle" }, shorten(label, 32));
      text.appendChild(el("title", {}, label));
      svg.appendChild(text);
      var offset = LABEL_WIDTH;
      var total = 0;
      data.series.forEach(function (serie) {
        var value = row[serie.key];
        total += value;
        if (value > 0) {
          var rect = el("rect", { x: offset, y: y, width: Math.max(1, value * scale), height: BAR_HEIGHT, class: "tdba-serie--" + serie.key });
          rect.appendChild(el("title", {}, serie.label + " : " + value));
          svg.appendChild(rect);
          offset += value * scale;
        }
      });
      svg.appendChild(el("text", { x: offset + 6, y: y + BAR_HEIGHT / 2 + 5, class: "tdba-graphique__total" }, String(total)));
    });
    container.appendChild(svg);
  }

  function init() {
    var containers = document.querySelectorAll("[data-indicateurs-chart]");
    Array.prototype.forEach.call(containers, function (container) {
      var island = document.getElementById(container.getAttribute("data-indicateurs-chart"));
      if (!island) {
        return;
      }
      try {
        draw(container, JSON.parse(island.textContent));
      } catch (error) {
        container.hidden = true; // the table below still shows every number
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
