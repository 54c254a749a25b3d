/* Loaded just before require.js and the ipywidgets HTML manager, on pages with widgets (nb_ipywidgets_js).
 *
 * 1. The HTML manager (html-manager 1.x, embed-amd.js) finds its webpack assets (the Font Awesome fonts of the
 *    widget CSS) next to the URL of its AMD module "@jupyter-widgets/html-manager/dist/libembed-amd", which
 *    require.js resolves relative to the page, where they are not. A require.js configuration (a global
 *    `require` object set before require.js loads) maps that module path to the folder next to embed-amd.js,
 *    which the book serves itself (_static/vendor/html-manager/).
 * 2. ipywidgets 8 typesets widget labels with the MathJax 2 API (MathJax.Hub.Queue); the book loads MathJax 3,
 *    which has no Hub, so every widget label threw "Cannot read properties of undefined (reading 'Queue')".
 *    Give MathJax 3 a Hub whose Queue(["Typeset", Hub, element]) typesets the element with MathJax 3, turning
 *    the $...$ of a label (Jupyter's delimiters, not MathJax 3's defaults) into \(...\) first.
 */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  if (here) {
    var manager = new URL("vendor/html-manager", here).href;
    window.__jupyter_widgets_assets_path__ = manager + "/";
    if (typeof window.require === "undefined") {
      window.require = { paths: { "@jupyter-widgets/html-manager/dist": manager } };
    } else if (window.require.config) {
      window.require.config({ paths: { "@jupyter-widgets/html-manager/dist": manager } });
    }
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
