/* Replaces pydata-sphinx-theme's scripts/fontawesome.js (1.5 MB) in the built book (Sphinx copies html_static_path
 * over the theme's static files). That script swaps each <i class="fa-..."> icon for an inline SVG; without it the
 * theme's own stylesheet draws the same icons from Font Awesome's web fonts, which the browser fetches only for the
 * icons a page shows. The book uses no custom icon. Issue 22: pages that weigh little. */
