// The workbench editor: bpmn-js modeler, server-side validation shown at the elements, deploy.
(function () {
  "use strict";
  const container = document.getElementById("canvas");
  if (!container) { return; }
  const data = container.dataset;
  const status = document.getElementById("editor-status");
  const list = document.getElementById("problems");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const modeler = new window.BpmnJS({ container: container, keyboard: { bindTo: document } });
  const blank = '<?xml version="1.0" encoding="UTF-8"?>' +
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ' +
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_1" targetNamespace="http://jixiao">' +
    '<bpmn:process id="new_process" name="新流程" isExecutable="true"><bpmn:startEvent id="StartEvent_1"/></bpmn:process>' +
    '<bpmndi:BPMNDiagram id="BPMNDiagram_1"><bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="new_process">' +
    '<bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1"><dc:Bounds x="180" y="160" width="36" height="36"/></bpmndi:BPMNShape>' +
    '</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>';

  function say(text, kind) { status.textContent = text; status.className = "small mb-2 text-" + kind; }

  function clearMarks() {
    const overlays = modeler.get("overlays");
    overlays.remove({ type: "jx-problem" });
    list.innerHTML = "";
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

  async function post(url) {
    const saved = await modeler.saveXML({ format: true });
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ xml: saved.xml, name: document.getElementById("file-name").value })
    });
    return { status: response.status, body: await response.json() };
  }

  document.getElementById("validate").addEventListener("click", async function () {
    clearMarks();
    const result = await post(data.validateUrl);
    if (result.body.ok) { say(data.textValid, "success"); } else { say(result.body.message, "danger"); showProblems(result.body.problems); }
  });
  document.getElementById("deploy").addEventListener("click", async function () {
    if (!window.confirm(data.textConfirm)) { return; }
    clearMarks();
    const result = await post(data.deployUrl);
    if (result.body.ok) { say(data.textDeployed + " " + result.body.version, "success"); } else { say(result.body.message, "danger"); showProblems(result.body.problems); }
  });
  document.getElementById("download").addEventListener("click", async function () {
    const saved = await modeler.saveXML({ format: true });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([saved.xml], { type: "application/xml" }));
    link.download = document.getElementById("file-name").value;
    link.click();
  });

  (async function open() {
    try {
      let xml = blank;
      if (data.source) { xml = await (await fetch(data.source, { credentials: "same-origin" })).text(); }
      await modeler.importXML(xml);
      modeler.get("canvas").zoom("fit-viewport");
    } catch (error) { say(data.textError, "danger"); }
  })();
})();
