/* On every page of the book, loaded (deferred) before MathJax (book/_ext/lu_a11y.py): MathJax 3's configuration, and
 * the cue that a block scrolls sideways.
 *
 * 1. Light: _config.yml loads MathJax's startup.js, which loads only what the book uses: the TeX input (its
 *    extensions on demand), the CommonHTML output with its fonts, and the assistive MathML that screen readers read.
 *    The combined tex-mml-chtml.js (1.2 MB, with the MathML input and the contextual menu) is not loaded; this
 *    set weighs about half as much.
 * 2. Whole on a phone: on a screen at most 600 px wide, an `aligned` block whose rows hold several equations side
 *    by side (`a &= b & c &= d \\`) is set one equation a row, so a long block such as (7.1), the LSTM's six
 *    equations in three rows of two, becomes six rows that fit the column instead of a block cut at the screen's
 *    edge. The TeX is rewritten before it is typeset; what is wider still scrolls in its box, with a visible cue:
 * 3. Every box in the article that scrolls sideways (display maths, code, outputs, tables) is marked `lu-scrolls`,
 *    which lu-a11y.css draws with a shade at the right edge and a visible scrollbar: on load, once MathJax has
 *    typeset the page, when the window changes size, when widgets render and when folded content opens.
 * 4. Every figure opens full size (issue 22: on a phone a figure is shown half size). A notebook figure is a 2x PNG
 *    that Sphinx already links to its file (a scaled image); one that is not yet a link is wrapped in one. The
 *    explorers' frames and static figures are data: URIs, which a browser will not open as a page: a click (or
 *    Enter) on one opens the same PNG as a blob in a new tab.
 */
(function () {
  "use strict";
  var NARROW = "(max-width: 600px)";

  // split a row of an aligned block at its top-level & (not \&, not inside braces)
  function cells(row) {
    var out = [], depth = 0, start = 0;
    for (var i = 0; i < row.length; i++) {
      var c = row[i];
      if (c === "\\") { i++; continue; }
      if (c === "{") depth++;
      else if (c === "}") depth--;
      else if (c === "&" && depth === 0) { out.push(row.slice(start, i)); start = i + 1; }
    }
    out.push(row.slice(start));
    return out;
  }

  // rows of an aligned block: split at the top-level \\ (an optional [skip] after it stays with the next row)
  function rows(body) {
    var out = [], depth = 0, start = 0;
    for (var i = 0; i < body.length; i++) {
      var c = body[i];
      if (c === "\\" && body[i + 1] === "\\" && depth === 0) { out.push(body.slice(start, i)); start = i + 2; i++; }
      else if (c === "\\") i++;
      else if (c === "{") depth++;
      else if (c === "}") depth--;
    }
    out.push(body.slice(start));
    return out;
  }

  function oneColumn(tex) {
    return tex.replace(/\\begin\{aligned\}([\s\S]*?)\\end\{aligned\}/g, function (all, body) {
      var parts = rows(body), out = [], changed = false;
      parts.forEach(function (row) {
        var c = cells(row);
        if (c.length <= 2) { out.push(row); return; }
        changed = true;
        for (var i = 0; i < c.length; i += 2) {
          var pair = c.slice(i, i + 2);
          if (pair.join("").trim()) out.push(pair.length === 2 ? pair[0] + "&" + pair[1] : "&" + pair[0]);
        }
      });
      return changed ? "\\begin{aligned}" + out.join("\\\\") + "\\end{aligned}" : all;
    });
  }

  window.luOneColumn = oneColumn;       // for the browser test and the curious reader

  function markScrollers() {
    var article = document.querySelector("article.bd-article") || document.body;
    var boxes = article.querySelectorAll("*");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth <= box.clientWidth + 1 && !box.classList.contains("lu-scrolls")) continue;
      var overflow = getComputedStyle(box).overflowX;
      var scrolls = (overflow === "auto" || overflow === "scroll") && box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("lu-scrolls", scrolls);
    }
  }
  var pending = null;
  function later() {
    if (pending) clearTimeout(pending);
    pending = setTimeout(function () { pending = null; markScrollers(); }, 150);
  }
  window.luMarkScrollers = markScrollers;
  window.addEventListener("resize", later);
  window.addEventListener("load", function () {
    markScrollers();
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) MathJax.startup.promise.then(markScrollers);
    var article = document.querySelector("article.bd-article");
    if (article && window.MutationObserver) new MutationObserver(later).observe(article, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["open", "class"] });
  });

  // 4. figures open full size
  function linkFigures() {
    var imgs = document.querySelectorAll("article.bd-article .cell_output img");
    Array.prototype.forEach.call(imgs, function (img) {
      var src = img.getAttribute("src") || "";
      if (img.closest("a") || src.indexOf("data:") === 0 || !src) return;
      var a = document.createElement("a");
      a.href = src;
      a.className = "lu-fullsize";
      img.parentNode.insertBefore(a, img);
      a.appendChild(img);
    });
    Array.prototype.forEach.call(document.querySelectorAll("article.bd-article a.image-reference"), function (a) {
      if (!a.title) a.title = "Open the figure full size";
    });
  }
  function openData(img) {
    fetch(img.currentSrc || img.src).then(function (r) { return r.blob(); }).then(function (blob) {
      window.open(URL.createObjectURL(blob), "_blank", "noopener");
    });
  }
  function dataFigure(target) {
    return target && target.matches && target.matches("img.lu-frame, img.lu-static-figure") ? target : null;
  }
  document.addEventListener("click", function (ev) {
    var img = dataFigure(ev.target);
    if (img) { ev.preventDefault(); openData(img); }
  });
  document.addEventListener("keydown", function (ev) {
    var img = dataFigure(ev.target);
    if (img && ev.key === "Enter") { ev.preventDefault(); openData(img); }
  });
  window.addEventListener("load", linkFigures);

  var config = {
    loader: { load: ["input/tex", "output/chtml", "a11y/assistive-mml"] },
    startup: {
      ready: function () {
        MathJax.startup.defaultReady();
        MathJax.startup.promise.then(markScrollers);
        if (window.matchMedia && window.matchMedia(NARROW).matches) {
          MathJax.startup.document.inputJax.forEach(function (jax) {
            if (jax.preFilters) jax.preFilters.add(function (args) {
              if (args.math && args.math.display) args.math.math = oneColumn(args.math.math);
            });
          });
        }
      }
    }
  };
  var existing = window.MathJax;
  if (existing && typeof existing === "object" && !existing.version) {
    for (var key in config) if (!(key in existing)) existing[key] = config[key];
  } else if (!existing) {
    window.MathJax = config;
  }
})();
