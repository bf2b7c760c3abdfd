// Accessibility fixes Material 9.7 leaves to the site (checked by axe-core in tests/test_reader.py).
(function () {
  // The search overlay is a dialog without a name.
  var search = document.querySelector(".md-search");
  if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search");
  // Code blocks and wide tables scroll sideways: keyboard users must be able to reach them.
  // Material wraps tables in their scroll boxes after this script has run, and a box may start to
  // scroll when the window narrows: check again once the page is mounted and on every resize.
  function markScrollable() {
    document.querySelectorAll("pre > code, pre, .md-typeset__scrollwrap, .jp-InputArea-editor, .jp-OutputArea-output pre").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
    });
  }
  markScrollable();
  if (typeof document$ !== "undefined") document$.subscribe(function () { setTimeout(markScrollable, 0); });
  window.addEventListener("resize", markScrollable);
})();
