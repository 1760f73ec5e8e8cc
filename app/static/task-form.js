// Task forms: a table's running total (data-total-for) follows what is typed; without scripts the
// server's check says the same on submit.
(function () {
  "use strict";
  document.querySelectorAll("[data-total-for]").forEach(function (box) {
    const table = box.dataset.totalFor;
    const column = box.dataset.totalColumn;
    const expected = box.dataset.totalExpected === undefined ? null : Number(box.dataset.totalExpected);
    const form = box.closest("form");
    const output = box.querySelector("[data-total]");
    const off = box.querySelector("[data-total-off]");
    const pattern = new RegExp("^" + table.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "\\.\\d+\\." + column + "$");

    function update() {
      let total = 0;
      form.querySelectorAll("input").forEach(function (input) {
        const value = Number(input.value);
        if (pattern.test(input.name) && input.value.trim() !== "" && Number.isFinite(value)) {
          total += value;
        }
      });
      total = Math.round(total * 100) / 100;
      output.textContent = String(total);
      const wrong = expected !== null && total !== expected;
      box.classList.toggle("text-danger", wrong);
      box.classList.toggle("text-success", expected !== null && !wrong);
      if (off) { off.hidden = !wrong; }
    }

    form.addEventListener("input", function (event) {
      if (pattern.test(event.target.name || "")) { update(); }
    });
    update();
    box.hidden = false;
  });
})();
