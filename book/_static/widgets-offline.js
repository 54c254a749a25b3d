/* Loaded, deferred, on pages with kernel-free explorers (book/_ext/lu_a11y.py puts it there; a page whose widgets
 * are no explorer gets no widget code at all).
 *
 * 0. The widget runtime loads late, and only when needed: require.js and the ipywidgets HTML manager (embed-amd.js,
 *    3.7 MB) are not in the page's <head>. When an explorer comes within a screen's height of the viewport, this
 *    script adds require.js, then embed-amd.js, which renders every saved widget view (it reads the widget state
 *    that lu_a11y.py moved to the end of <body>). Until then the reader has the text and each explorer's static
 *    figure, the default frame; once the explorer renders, lu-a11y.css hides that figure, so it shows once.
 *    `window.luLoadWidgets()` starts the load at once.
 * 1. Each webpack bundle inside embed-amd.js (html-manager 1.x) finds its assets (the Font Awesome fonts of the
 *    widget CSS) in the folder of its own AMD module's URL, `module.uri` (webpack's public path). The bundles are
 *    named modules ("@jupyter-widgets/base", "/base7", "/controls", "/controls7", "/html-manager" and
 *    "@jupyter-widgets/html-manager/dist/libembed-amd"), and require.js turns a name it has no path for into a URL
 *    relative to the page: notebooks/@jupyter-widgets/, where the fonts are not. A require.js configuration (a
 *    global `require` object set before require.js loads) maps every one of those names into the folder of
 *    embed-amd.js, which the book serves itself (_static/vendor/html-manager/).
 * 2. ipywidgets 8 typesets widget labels with the MathJax 2 API (MathJax.Hub.Queue); the book loads MathJax 3,
 *    which has no Hub, so every widget label threw "Cannot read properties of undefined (reading 'Queue')".
 *    Give MathJax 3 a Hub whose Queue(["Typeset", Hub, element]) typesets the element with MathJax 3, turning
 *    the $...$ of a label (Jupyter's delimiters, not MathJax 3's defaults) into \(...\) first.
 * 3. Sliders for every reader (the kernel-free explorers of lstm_utils/figures/widgets.py): noUiSlider's handle, the
 *    element with role="slider" that takes the keyboard, has no accessible name (axe: aria-input-field-name), so
 *    it gets the slider's description as aria-label and the readout as aria-valuetext; and a click or tap on the
 *    track moves the keyboard focus to the handle, so the arrow keys work next, as the landing page says.
 *    A widget box that scrolls gets tabindex="0", so the keyboard can scroll it.
 */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  if (here) {
    var manager = new URL("vendor/html-manager", here).href;
    window.__jupyter_widgets_assets_path__ = manager + "/";
    lazyRuntime(new URL("vendor/", here).href);      // which also maps the bundles' names (1.), when it loads them
  }

  // 1.: every bundle's module name -> a URL in the folder of embed-amd.js (the folder is what webpack reads)
  function widgetPaths(folder) {
    var paths = { "@jupyter-widgets/html-manager/dist": folder };
    ["base", "base7", "controls", "controls7", "html-manager"].forEach(function (name) {
      paths["@jupyter-widgets/" + name] = folder + "/" + name;
    });
    return paths;
  }

  function lazyRuntime(vendor) {
    var views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
    var started = false, observer = null;
    function add(src, then) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = then || null;
      script.onerror = function () { console.warn("could not load " + src + ": the explorers keep their static figures"); };
      document.head.appendChild(script);
    }
    function start() {
      if (started) return;
      started = true;
      if (observer) observer.disconnect();
      // require.js reads a global `require` object as its configuration when it loads; whatever else set a global
      // `require` meanwhile, the map to the HTML manager's folder (1. below) must be the one it reads
      var paths = widgetPaths(vendor + "html-manager");
      if (!window.requirejs) window.require = { paths: paths };
      add(vendor + "requirejs/require.js", function () {
        if (window.require && window.require.config) window.require.config({ paths: paths });
        add(vendor + "html-manager/embed-amd.js");
      });
    }
    window.luLoadWidgets = start;
    if (!views.length) return;
    if (!("IntersectionObserver" in window)) { start(); return; }
    observer = new IntersectionObserver(function (entries) {
      for (var i = 0; i < entries.length; i++) if (entries[i].isIntersecting) { start(); return; }
    }, { rootMargin: "100% 0px" });
    for (var i = 0; i < views.length; i++) observer.observe(views[i].closest(".cell_output") || views[i].parentElement);
  }

  function texDelimiters(element) {
    if (element.childElementCount === 0 && element.textContent.indexOf("$") >= 0) {
      element.textContent = element.textContent
        .replace(/\$\$([^$]+)\$\$/g, "\\[$1\\]")
        .replace(/\$([^$]+)\$/g, "\\($1\\)");
    }
    return element;
  }

  function withHub(mj) {
    if (mj && typeof mj === "object" && mj.version && !mj.Hub) {
      mj.Hub = {
        Queue: function () {
          var elements = [];
          for (var i = 0; i < arguments.length; i++) {
            var job = arguments[i];
            if (Array.isArray(job) && job[0] === "Typeset" && job[2]) elements.push(texDelimiters(job[2]));
          }
          if (!elements.length) return;
          var ready = (mj.startup && mj.startup.promise) || Promise.resolve();
          ready.then(function () { return mj.typesetPromise ? mj.typesetPromise(elements) : null; })
               .catch(function (err) { console.warn("MathJax could not typeset a widget label", err); });
        }
      };
    }
    return mj;
  }

  // MathJax 3 replaces window.MathJax (the configuration object) with itself when it loads, after this script
  // (it is deferred): catch that assignment to add the Hub before any widget renders.
  var current = withHub(window.MathJax);
  try {
    Object.defineProperty(window, "MathJax", {
      configurable: true, enumerable: true,
      get: function () { return current; },
      set: function (value) { current = withHub(value); }
    });
  } catch (err) { /* a non-configurable MathJax property: leave it alone */ }
})();

(function () {
  "use strict";

  function descriptionOf(slider) {
    var label = slider.querySelector(".widget-label");
    if (!label) return "";
    // the label's text is the description; its title is the tooltip, which ipywidgets sets to "null" when there
    // is none. A description typeset by MathJax keeps its source in the assistive MathML, so prefer a real title.
    var title = label.getAttribute("title");
    var text = title && title !== "null" ? title : label.textContent;
    return (text || "").replace(/\s+/g, " ").trim();
  }

  function readoutOf(slider) {
    var readout = slider.querySelector(".widget-readout");
    return readout ? (readout.value || readout.textContent || "").trim() : "";
  }

  function label(slider, handle) {
    var name = descriptionOf(slider);
    if (name && handle.getAttribute("aria-label") !== name) handle.setAttribute("aria-label", name);
    var text = readoutOf(slider);
    if (text && handle.getAttribute("aria-valuetext") !== text) handle.setAttribute("aria-valuetext", text);
  }

  function enhance(slider) {
    var handle = slider.querySelector(".noUi-handle");
    if (!handle) return;
    label(slider, handle);
    if (slider.getAttribute("data-lu-a11y")) return;
    slider.setAttribute("data-lu-a11y", "1");
    var track = slider.querySelector(".noUi-target") || slider;
    track.addEventListener("pointerdown", function (event) {
      if (event.target === handle) return;      // the handle takes the focus itself
      // after noUiSlider has moved the handle to the click (it handles the same event)
      setTimeout(function () { handle.focus({ preventScroll: true }); }, 0);
    });
    // noUiSlider rewrites aria-valuetext on every move: follow it with the readout's text
    ["keyup", "pointerup", "change"].forEach(function (type) {
      slider.addEventListener(type, function () { setTimeout(function () { label(slider, handle); }, 0); });
    });
  }

  // a widget box whose content scrolls (overflow auto) must be reachable by the keyboard to be scrolled
  // (axe: scrollable-region-focusable), unless something inside it already takes the focus
  function focusableScroller(box) {
    if (box.hasAttribute("tabindex")) return;
    var style = getComputedStyle(box);
    var scrolls = (/(auto|scroll)/.test(style.overflowX) && box.scrollWidth > box.clientWidth + 1) ||
                  (/(auto|scroll)/.test(style.overflowY) && box.scrollHeight > box.clientHeight + 1);
    if (!scrolls || box.querySelector("[tabindex], a[href], button, input, select, textarea")) return;
    box.setAttribute("tabindex", "0");
  }

  var scheduled = false;
  function scan() {
    scheduled = false;
    var sliders = document.querySelectorAll(".widget-slider, .jupyter-widget-slider");
    for (var i = 0; i < sliders.length; i++) enhance(sliders[i]);
    var boxes = document.querySelectorAll(".widget-box");
    for (var j = 0; j < boxes.length; j++) focusableScroller(boxes[j]);
  }
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    (window.requestAnimationFrame || setTimeout)(scan);
  }
  // the HTML manager renders the saved widget views after the page has loaded, and MathJax typesets their labels
  // later still: watch the document and label every slider as it appears
  function start() {
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true, characterData: true });
    schedule();
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
