// Accessibility fixes Material 9.7 leaves to the site (checked by axe-core in tests/test_reader.py).
(function () {
  // The search overlay is a dialog without a name.
  var search = document.querySelector(".md-search");
  if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search");
  // Code blocks and wide tables scroll sideways: keyboard users must be able to reach them.
  document.querySelectorAll("pre > code, pre, .md-typeset__scrollwrap, .jp-InputArea-editor, .jp-OutputArea-output pre").forEach(function (el) {
    if (el.scrollWidth > el.clientWidth && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
  });
})();
