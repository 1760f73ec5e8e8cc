// The forms editor: JSON Schema and UI schema side by side, a live preview drawn by the server,
// saving as a new stored version. Errors show next to their field.
(function () {
  "use strict";
  const root = document.getElementById("form-editor");
  if (!root) { return; }
  const t = JSON.parse(document.getElementById("workbench-texts").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const fields = { name: "form-name", schema: "form-schema", ui_schema: "form-ui-schema" };
  const preview = document.getElementById("form-preview");
  const status = document.getElementById("form-status");
  let timer = null;

  function value(field) { return document.getElementById(fields[field]).value; }

  function showErrors(body) {
    Object.keys(fields).forEach(function (f) { document.getElementById("form-" + f + "-error").textContent = ""; });
    const details = (body.error && body.error.details) || [];
    let placed = false;
    details.forEach(function (d) {
      const target = document.getElementById("form-" + d.field + "-error");
      if (target) { target.textContent = d.message || body.error.message; placed = true; }
    });
    return placed;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(body)
    });
    return { status: response.status, body: await response.json() };
  }

  async function refresh() {
    const result = await post(root.dataset.previewUrl, { schema: value("schema"), ui_schema: value("ui_schema") });
    if (result.status === 200) { showErrors({}); preview.innerHTML = result.body.html; } else { showErrors(result.body); }
    return result.status === 200;
  }

  document.getElementById("form-validate").addEventListener("click", async function () {
    const ok = await refresh();
    status.className = "small mt-2 text-" + (ok ? "success" : "danger");
    status.textContent = ok ? t.schemaValid : "";
  });

  ["schema", "ui_schema"].forEach(function (f) {
    document.getElementById(fields[f]).addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
  });
  document.getElementById("form-save").addEventListener("click", async function () {
    const result = await post(root.dataset.saveUrl, { name: value("name"), schema: value("schema"), ui_schema: value("ui_schema") });
    if (result.status === 201) {
      showErrors({});
      status.className = "small mt-2 text-success";
      status.textContent = t.formSaved + " " + result.body.version + " (" + result.body.name + ".v" + result.body.version + ")";
    } else {
      const placed = showErrors(result.body);
      status.className = "small mt-2 text-danger";
      status.textContent = placed ? "" : result.body.error.message;
    }
  });
  refresh();
})();
