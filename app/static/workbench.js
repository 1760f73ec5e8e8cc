// The workbench editor: bpmn-js modeler with the properties panel, server-side validation shown at
// the elements, drafts, deploy after a summary of the changes, test runs drawn on the diagram.
(function () {
  "use strict";
  const container = document.getElementById("canvas");
  if (!container) { return; }
  const data = container.dataset;
  const t = JSON.parse(document.getElementById("workbench-texts").textContent);
  const status = document.getElementById("editor-status");
  const list = document.getElementById("problems");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const modeler = new window.BpmnJS({
    container: container, keyboard: { bindTo: document },
    additionalModules: [window.JxTranslate.module],
    moddleExtensions: { spiffworkflow: window.JxPanel.moddle }
  });
  const panel = new window.JxPanel(modeler, document.getElementById("properties"), {
    roles: data.rolesUrl, forms: data.formsUrl, operations: data.operationsUrl,
    check: data.checkUrl, preview: data.previewUrl
  }, t, csrf);
  const blank = '<?xml version="1.0" encoding="UTF-8"?>' +
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ' +
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_1" targetNamespace="http://jixiao">' +
    '<bpmn:process id="new_process" name="新流程" isExecutable="true"><bpmn:startEvent id="StartEvent_1"/></bpmn:process>' +
    '<bpmndi:BPMNDiagram id="BPMNDiagram_1"><bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="new_process">' +
    '<bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1"><dc:Bounds x="180" y="160" width="36" height="36"/></bpmndi:BPMNShape>' +
    '</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>';
  const RUN_MARKS = ["jx-done", "jx-failed"];
  let marked = [];
  let unsaved = false;  // changed since it was opened, saved as a draft or deployed

  modeler.get("eventBus").on("commandStack.changed", function (event) {
    if (event.trigger !== "clear") { unsaved = true; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (unsaved) { event.preventDefault(); event.returnValue = ""; }
  });

  function say(text, kind) { status.textContent = text; status.className = "small mb-2 text-" + kind; }

  function clearMarks() {
    modeler.get("overlays").remove({ type: "jx-problem" });
    const canvas = modeler.get("canvas");
    marked.forEach(function (id) { RUN_MARKS.forEach(function (css) { canvas.removeMarker(id, css); }); });
    marked = [];
    list.innerHTML = "";
  }

  function mark(id, css) {
    if (id && modeler.get("elementRegistry").get(id)) { modeler.get("canvas").addMarker(id, css); marked.push(id); }
  }

  function showProblems(problems) {
    const overlays = modeler.get("overlays");
    const registry = modeler.get("elementRegistry");
    problems.forEach(function (problem) {
      const item = document.createElement("li");
      item.className = "list-group-item list-group-item-danger";
      item.textContent = (problem.element_id ? problem.element_id + ": " : "") + problem.message;
      list.appendChild(item);
      if (problem.element_id && registry.get(problem.element_id)) {
        const badge = document.createElement("div");
        badge.className = "jx-problem-badge";
        badge.title = problem.message;
        badge.textContent = "!";
        overlays.add(problem.element_id, "jx-problem", { position: { top: -10, right: 10 }, html: badge });
      }
    });
  }

  async function post(url, extra) {
    const saved = await modeler.saveXML({ format: true });
    const body = Object.assign({ xml: saved.xml, name: document.getElementById("file-name").value }, extra || {});
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(body)
    });
    return { status: response.status, body: await response.json() };
  }

  function errorMessage(body) { return body.message || (body.error && body.error.message) || ""; }

  document.getElementById("validate").addEventListener("click", async function () {
    clearMarks();
    const result = await post(data.validateUrl);
    if (result.body.ok) { say(t.valid, "success"); } else { say(result.body.message, "danger"); showProblems(result.body.problems); }
  });

  document.getElementById("save-draft").addEventListener("click", async function () {
    const result = await post(data.draftUrl);
    if (result.status === 201) { unsaved = false; say(t.saved + " " + result.body.revision, "success"); } else { say(errorMessage(result.body), "danger"); }
  });

  const summary = document.getElementById("deploy-summary");
  document.getElementById("deploy").addEventListener("click", async function () {
    clearMarks();
    const result = await post(data.changesUrl);
    if (result.status !== 200) { say(errorMessage(result.body), "danger"); return; }
    const box = document.getElementById("deploy-changes");
    box.innerHTML = "";
    const head = document.createElement("p");
    head.textContent = result.body.deployed_version ? t.againstVersion + " v" + result.body.deployed_version + ":" : t.firstVersion;
    box.appendChild(head);
    let any = false;
    [["added", t.added], ["removed", t.removed], ["changed", t.changed]].forEach(function (part) {
      const rows = result.body[part[0]];
      if (!rows.length) { return; }
      any = true;
      const line = document.createElement("div");
      line.setAttribute("data-change", part[0]);
      line.textContent = part[1] + ": " + rows.map(function (r) { return r.id + (r.name ? " (" + r.name + ")" : ""); }).join(", ");
      box.appendChild(line);
    });
    if (!any && result.body.deployed_version) { head.textContent = t.noChanges; }
    summary.classList.remove("d-none");
    document.getElementById("deploy-confirm").focus();
  });
  document.getElementById("deploy-cancel").addEventListener("click", function () { summary.classList.add("d-none"); });
  document.getElementById("deploy-confirm").addEventListener("click", async function () {
    summary.classList.add("d-none");
    const result = await post(data.deployUrl);
    if (result.body.ok) { unsaved = false; say(t.deployed + " " + result.body.version, "success"); } else { say(result.body.message, "danger"); showProblems(result.body.problems); }
  });

  document.getElementById("download").addEventListener("click", async function () {
    const saved = await modeler.saveXML({ format: true });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([saved.xml], { type: "application/xml" }));
    link.download = document.getElementById("file-name").value;
    link.click();
  });

  // --- test run ----------------------------------------------------------------------------
  const runBox = document.getElementById("dry-run");
  document.getElementById("test-run").addEventListener("click", function () {
    runBox.classList.remove("d-none");
    runBox.scrollIntoView();
  });
  function parsed(id) {
    try { return JSON.parse(document.getElementById(id).value || "{}"); } catch (error) { return null; }
  }
  document.getElementById("dry-run-start").addEventListener("click", async function () {
    const runStatus = document.getElementById("dry-run-status");
    const steps = document.getElementById("dry-run-steps");
    const final = document.getElementById("dry-run-final");
    const start = parsed("dry-run-data");
    const samples = parsed("dry-run-samples");
    steps.innerHTML = ""; final.textContent = ""; clearMarks();
    if (start === null || samples === null) { runStatus.className = "mt-2 text-danger"; runStatus.textContent = t.notJson; return; }
    const result = await post(data.dryRunUrl, { data: start, samples: samples });
    if (result.status !== 200) {
      runStatus.className = "mt-2 text-danger";
      runStatus.textContent = errorMessage(result.body);
      const problems = (result.body.error && result.body.error.details) || [];
      if (Array.isArray(problems)) { showProblems(problems.filter(function (p) { return p && p.message; })); }
      return;
    }
    const run = result.body;
    // The flows between steps the run went through (the engine does not record flows taken).
    const visited = new Set(run.steps.map(function (step) { return step.element_id; }));
    modeler.get("elementRegistry").filter(function (e) { return e.type === "bpmn:SequenceFlow"; }).forEach(function (flow) {
      const bo = flow.businessObject;
      if (bo.sourceRef && bo.targetRef && visited.has(bo.sourceRef.id) && visited.has(bo.targetRef.id)) { mark(flow.id, "jx-done"); }
    });
    const notes = { stubbed: t.stubbed, fast_forwarded: t.fastForwarded, sample: t.sampleFilled };
    run.steps.forEach(function (step) {
      mark(step.element_id, "jx-done");
      const item = document.createElement("li");
      item.className = "list-group-item";
      item.setAttribute("data-element", step.element_id);
      const title = document.createElement("div");
      title.textContent = step.name + " (" + step.element_id + ")" + (step.note ? " — " + (notes[step.note] || step.note) : "");
      if (step.note === "stubbed") { title.className = "text-warning-emphasis"; }
      const body = document.createElement("pre");
      body.className = "small mb-0";
      body.textContent = JSON.stringify(step.data, null, 2);
      const more = document.createElement("details");
      const label = document.createElement("summary");
      label.textContent = t.stepData;
      more.appendChild(label); more.appendChild(body);
      item.appendChild(title); item.appendChild(more);
      steps.appendChild(item);
    });
    final.textContent = JSON.stringify(run.data, null, 2);
    if (run.status === "error") {
      mark(run.error_element, "jx-failed");
      runStatus.className = "mt-2 text-danger";
      runStatus.textContent = t.runError + (run.error_element ? " (" + run.error_element + ")" : "") + ": " + run.error;
    } else {
      runStatus.className = "mt-2 text-" + (run.status === "completed" ? "success" : "warning-emphasis");
      runStatus.textContent = run.status === "completed" ? t.runCompleted : t.runWaiting;
    }
  });

  (async function open() {
    try {
      let xml = blank;
      if (data.source) { xml = await (await fetch(data.source, { credentials: "same-origin" })).text(); }
      await modeler.importXML(xml);
      modeler.get("canvas").zoom("fit-viewport");
    } catch (error) { say(t.readError, "danger"); }
  })();
  window.jxModeler = modeler;
  window.jxPanel = panel;
})();
