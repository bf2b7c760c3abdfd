// The claims ledger's filters: by page and by status. Without JavaScript the form stays hidden
// and every row is shown.
(function () {
  function setUp() {
    var form = document.querySelector("form.ledger-filter");
    var table = document.querySelector("table.ledger");
    if (!form || !table || form.dataset.ready) return;
    form.dataset.ready = "1";
    form.hidden = false;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    function apply() {
      var page = form.elements.page.value, status = form.elements.status.value, shown = 0;
      rows.forEach(function (row) {
        var ok = (!page || row.dataset.page === page) &&
                 (!status || row.dataset.status.split(" ").indexOf(status) >= 0);
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      form.elements.shown.value = shown + " of " + rows.length + " claims shown";
    }
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    apply();
  }
  setUp();
  if (typeof document$ !== "undefined") document$.subscribe(function () { setTimeout(setUp, 0); });
})();
