// Draws each .jx-diagram with the bpmn-js viewer and marks finished, current and failed steps.
(function () {
  "use strict";
  function ids(value) { return value ? value.split(",").filter(Boolean) : []; }

  // A wide diagram in a narrow card would leave most of a fixed-height box empty: size the box
  // to the diagram's proportions, within bounds, before fitting the diagram into it.
  function fitHeight(container, canvas) {
    const inner = canvas.viewbox().inner;
    if (!inner.width || !inner.height) { return; }
    const wanted = container.clientWidth * (inner.height / inner.width) + 24;
    container.style.height = Math.round(Math.min(Math.max(wanted, 180), 520)) + "px";
    canvas.resized();
  }

  // Counts as badges on their elements; they repeat the page's text alternative (aria-hidden).
  function drawCounts(container, viewer, registry) {
    if (!container.dataset.counts) { return; }
    const counts = JSON.parse(container.dataset.counts);
    const overlays = viewer.get("overlays");
    Object.keys(counts).forEach(function (id) {
      if (!registry.get(id)) { return; }
      const badge = document.createElement("span");
      badge.className = "jx-count badge rounded-pill " + (counts[id] ? "text-bg-primary" : "text-bg-light border");
      badge.textContent = String(counts[id]);
      badge.title = counts[id] + " " + (container.dataset.countTitle || "");
      badge.setAttribute("aria-hidden", "true");
      badge.dataset.elementId = id;
      overlays.add(id, "jx-count", { position: { top: -10, right: 10 }, html: badge });
    });
  }

  // Lanes name a role code in brackets for the engine ("省领导 (provincial_leader)"); people
  // read only the name, so the brackets are dropped before bpmn-js draws the labels.
  const ROLE_IN_NAME = /\s*[（(]\s*[a-z_]+\s*[)）]\s*$/;
  function readableLanes(xml) {
    const doc = new DOMParser().parseFromString(xml, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) { return xml; }
    const lanes = doc.getElementsByTagNameNS("http://www.omg.org/spec/BPMN/20100524/MODEL", "lane");
    let changed = false;
    Array.prototype.forEach.call(lanes, function (lane) {
      const name = lane.getAttribute("name") || "";
      const shown = name.replace(ROLE_IN_NAME, "");
      if (shown && shown !== name) { lane.setAttribute("name", shown); changed = true; }
    });
    return changed ? new XMLSerializer().serializeToString(doc) : xml;
  }

  async function draw(container) {
    const viewer = new window.BpmnJS({ container: container });
    try {
      const response = await fetch(container.dataset.diagramUrl, { credentials: "same-origin" });
      if (!response.ok) { throw new Error(String(response.status)); }
      await viewer.importXML(readableLanes(await response.text()));
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      const mark = function (list, css) {
        ids(list).forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, css); } });
      };
      mark(container.dataset.done, "jx-done");
      mark(container.dataset.current, "jx-current");
      mark(container.dataset.failed, "jx-failed");
      drawCounts(container, viewer, registry);
      fitHeight(container, canvas);
      canvas.zoom("fit-viewport");
      if (!registry.getAll().some(function (e) { return e.type !== "bpmn:Process"; })) {
        throw new Error("no shapes");
      }
    } catch (error) {
      container.textContent = container.dataset.emptyText;
      container.classList.add("jx-diagram-empty");
    }
  }

  document.querySelectorAll(".jx-diagram").forEach(draw);
})();
