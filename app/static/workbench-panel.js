// The workbench's properties panel: edits what Jixiao's engine reads, in the spiff dialect
// (lane roles, user-task form / due date / reminder / escalation, timers, service operations,
// scripts and conditions). Strings come translated from the page (#workbench-texts).
(function () {
  "use strict";

  // The spiffworkflow: extension elements the panel writes or must carry through unchanged.
  const SPIFF_MODDLE = {
    name: "SpiffWorkflow", uri: "http://spiffworkflow.org/bpmn/schema/1.0/core", prefix: "spiffworkflow",
    xml: { tagAlias: "lowerCase" },
    types: [
      { name: "Properties", superClass: ["Element"], properties: [{ name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"], properties: [
        { name: "name", isAttr: true, type: "String" }, { name: "value", isAttr: true, type: "String" }] },
      { name: "ServiceTaskOperator", superClass: ["Element"], properties: [
        { name: "id", isAttr: true, type: "String" }, { name: "resultVariable", isAttr: true, type: "String" },
        { name: "parameterList", type: "Parameters" }] },
      { name: "Parameters", superClass: ["Element"], properties: [{ name: "parameters", type: "Parameter", isMany: true }] },
      { name: "Parameter", superClass: ["Element"], properties: [
        { name: "id", isAttr: true, type: "String" }, { name: "type", isAttr: true, type: "String" },
        { name: "value", isAttr: true, type: "String" }] },
      { name: "PreScript", superClass: ["Element"], properties: [{ name: "value", isBody: true, type: "String" }] },
      { name: "PostScript", superClass: ["Element"], properties: [{ name: "value", isBody: true, type: "String" }] },
      { name: "InstructionsForEndUser", superClass: ["Element"], properties: [{ name: "value", isBody: true, type: "String" }] },
      { name: "CalledDecisionId", superClass: ["Element"], properties: [{ name: "value", isBody: true, type: "String" }] },
      { name: "VariableName", superClass: ["Element"], properties: [{ name: "value", isBody: true, type: "String" }] }
    ]
  };
  const LANE_ROLE = /^(.*?)\s*[（(]\s*([a-z_]+)\s*[)）]\s*$/;
  const TIMER_KINDS = ["timeDate", "timeDuration", "timeCycle"];

  function h(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else if (key.indexOf("on") === 0) {
        node.addEventListener(key.slice(2), attrs[key]);
      } else if (attrs[key] !== undefined && attrs[key] !== null && attrs[key] !== false) { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function Panel(modeler, root, urls, texts, csrf) {
    this.modeler = modeler; this.root = root; this.urls = urls; this.t = texts; this.csrf = csrf;
    this.lists = {};
    const self = this;
    modeler.get("eventBus").on("selection.changed", function (event) { self.show(event.newSelection[0]); });
    modeler.get("eventBus").on("import.done", function () { self.show(null); });
    modeler.get("eventBus").on("import.parse.complete", keepCollectionNames(modeler));
    this.show(null);
  }

  // A multi-instance task names its collections by variable (`<loopDataInputRef>experts<…>`),
  // which BPMN types as a reference to an element: bpmn-js finds no such element and would drop
  // the name on save. Hold each name in a stand-in that is written back as the same text.
  function keepCollectionNames(modeler) {
    return function (event) {
      const moddle = modeler.get("moddle");
      (event.warnings || []).forEach(function (warning) {
        if (warning.element && /loopData(Input|Output)Ref$/.test(warning.property || "") && warning.value) {
          warning.element.set(warning.property, moddle.create("bpmn:DataInput", { id: warning.value }));
        }
      });
    };
  }

  Panel.moddle = SPIFF_MODDLE;

  Panel.prototype.fetchList = async function (name, url) {
    if (!this.lists[name]) {
      const response = await fetch(url, { credentials: "same-origin" });
      this.lists[name] = (await response.json())[name] || [];
    }
    return this.lists[name];
  };

  Panel.prototype.postJson = async function (url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf }, body: JSON.stringify(body)
    });
    return { status: response.status, body: await response.json() };
  };

  // --- reading and writing the model -------------------------------------------------------
  Panel.prototype.extensions = function (element) {
    const ext = element.businessObject.extensionElements;
    return ext && ext.values ? ext.values.slice() : [];
  };

  Panel.prototype.setExtensions = function (element, values) {
    const moddle = this.modeler.get("moddle");
    let ext;
    if (values.length) {
      ext = moddle.create("bpmn:ExtensionElements", { values: values });
      ext.$parent = element.businessObject;
      values.forEach(function (value) { value.$parent = ext; });
    }
    this.modeler.get("modeling").updateProperties(element, { extensionElements: ext });
  };

  Panel.prototype.property = function (element, name) {
    const holder = this.extensions(element).find(function (v) { return v.$type === "spiffworkflow:Properties"; });
    const found = holder && (holder.properties || []).find(function (p) { return p.name === name; });
    return found ? found.value || "" : "";
  };

  Panel.prototype.setProperty = function (element, name, value) {
    const moddle = this.modeler.get("moddle");
    const values = this.extensions(element);
    const index = values.findIndex(function (v) { return v.$type === "spiffworkflow:Properties"; });
    const kept = index >= 0 ? (values[index].properties || []).filter(function (p) { return p.name !== name; }) : [];
    const properties = kept.map(function (p) { return moddle.create("spiffworkflow:Property", { name: p.name, value: p.value }); });
    if (value !== "") { properties.push(moddle.create("spiffworkflow:Property", { name: name, value: value })); }
    const holder = moddle.create("spiffworkflow:Properties", { properties: properties });
    properties.forEach(function (p) { p.$parent = holder; });
    if (index >= 0) { values.splice(index, 1); }
    if (properties.length) { values.splice(index >= 0 ? index : values.length, 0, holder); }
    this.setExtensions(element, values);
  };

  // --- fields ----------------------------------------------------------------------------------
  Panel.prototype.field = function (id, label, control, help) {
    return h("div", { class: "mb-2" }, [
      h("label", { class: "form-label mb-1", for: id, text: label }), control,
      help ? h("div", { class: "form-text", text: help }) : null
    ]);
  };

  Panel.prototype.textInput = function (id, value, onchange, type) {
    return h("input", { class: "form-control form-control-sm", id: id, type: type || "text", value: value,
      onchange: function (event) { onchange(event.target.value.trim()); } });
  };

  Panel.prototype.codeCheck = function (id, getSource, mode) {
    const self = this;
    const out = h("div", { class: "small mt-1", id: id + "-result", role: "status" });
    const button = h("button", { class: "btn btn-sm btn-outline-secondary mt-1", type: "button", id: id + "-check", text: this.t.check,
      onclick: async function () {
        const result = await self.postJson(self.urls.check, { source: getSource(), mode: mode });
        const ok = result.status === 200 && result.body.ok;
        out.className = "small mt-1 text-" + (ok ? "success" : "danger");
        out.textContent = ok ? self.t.codeOk : (result.body.problems || [(result.body.error || {}).message]).join("; ");
      } });
    return h("div", {}, [button, out]);
  };

  Panel.prototype.show = function (element) {
    this.root.innerHTML = "";
    this.element = element;
    if (!element || element.type === "label") {
      this.root.appendChild(h("p", { class: "text-muted", text: this.t.selectSomething }));
      this.process(null);
      return;
    }
    const self = this;
    const bo = element.businessObject;
    this.root.appendChild(h("div", { class: "mb-2" }, [
      h("span", { class: "text-muted", text: this.t.id + ": " }), h("code", { text: bo.id }),
      h("span", { class: "badge text-bg-light ms-2", text: element.type.replace("bpmn:", "") })]));
    if (element.type === "bpmn:Lane") { this.lane(element); return; }
    if (element.type === "bpmn:Participant" || element.type === "bpmn:Process" || element.type === "bpmn:Collaboration") {
      this.process(element); return;
    }
    if (element.type !== "bpmn:Process" && element.type !== "bpmn:Participant") {
      this.root.appendChild(this.field("jx-name", this.t.name, this.textInput("jx-name", bo.name || "", function (value) {
        self.modeler.get("modeling").updateProperties(element, { name: value || undefined });
      })));
    }
    if (element.type === "bpmn:UserTask" || element.type === "bpmn:ManualTask") { this.userTask(element); }
    if (element.type === "bpmn:ServiceTask") { this.serviceTask(element); }
    if (element.type === "bpmn:ScriptTask") { this.scriptTask(element); }
    if (element.type === "bpmn:SequenceFlow") { this.condition(element); }
    if (bo.loopCharacteristics && bo.loopCharacteristics.$type === "bpmn:MultiInstanceLoopCharacteristics") {
      this.multiInstance(element);
    }
    if (/Task$/.test(element.type)) { this.postScript(element); }
    const timer = (bo.eventDefinitions || []).find(function (d) { return d.$type === "bpmn:TimerEventDefinition"; });
    if (timer) { this.timer(element, timer); }
    if (timer && element.type === "bpmn:StartEvent") { this.startSet(element); }
  };

  // The process id is the process key; a pool's process or the diagram's own.
  Panel.prototype.process = function (element) {
    const self = this;
    const registry = this.modeler.get("elementRegistry");
    const root = this.modeler.get("canvas").getRootElement();
    let target = element || root;
    if (!target || !target.businessObject) { return; }
    if (target.type === "bpmn:Collaboration") {
      target = registry.filter(function (e) { return e.type === "bpmn:Participant" && e.businessObject.processRef; })[0];
      if (!target) { return; }
    }
    const process = target.type === "bpmn:Participant" ? target.businessObject.processRef : target.businessObject;
    if (!process) { return; }
    function write(props) { self.modeler.get("modeling").updateModdleProperties(target, process, props); }
    this.root.appendChild(this.field("jx-process-key", this.t.processKey, this.textInput("jx-process-key", process.id || "", function (value) {
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) { write({ id: value }); }
    }), this.t.processKeyHelp));
    this.root.appendChild(this.field("jx-process-name", this.t.processName, this.textInput("jx-process-name", process.name || "", function (value) {
      write({ name: value || undefined });
    })));
  };

  Panel.prototype.lane = async function (element) {
    const self = this;
    const name = element.businessObject.name || "";
    const match = LANE_ROLE.exec(name);
    let label = match ? match[1] : name;
    let code = match ? match[2] : "";
    const roles = await this.fetchList("roles", this.urls.roles);
    if (this.element !== element) { return; }  // the selection moved on while loading
    if (!match && roles.some(function (r) { return r.code === name.trim(); })) { code = name.trim(); label = ""; }
    function write() {
      const value = code ? (label ? label + " (" + code + ")" : code) : label;
      self.modeler.get("modeling").updateProperties(element, { name: value || undefined });
    }
    const select = h("select", { class: "form-select form-select-sm", id: "jx-lane-role",
      onchange: function (event) {
        const chosen = roles.find(function (r) { return r.code === event.target.value; });
        if (chosen && (!label || roles.some(function (r) { return r.label === label; }))) { label = chosen.label; }
        code = event.target.value; write(); self.show(element);
      } }, [h("option", { value: "", text: this.t.noRole })].concat(roles.map(function (r) {
      return h("option", { value: r.code, text: r.label + " (" + r.code + ")", selected: r.code === code });
    })));
    this.root.appendChild(this.field("jx-lane-label", this.t.name, this.textInput("jx-lane-label", label, function (value) { label = value; write(); })));
    this.root.appendChild(this.field("jx-lane-role", this.t.role, select));
  };

  Panel.prototype.userTask = async function (element) {
    const self = this;
    const forms = await this.fetchList("forms", this.urls.forms);
    if (this.element !== element) { return; }
    const current = this.property(element, "formJsonSchemaFilename");
    const preview = h("div", { class: "border rounded p-2 bg-light jx-form-preview", id: "jx-form-preview" });
    async function showPreview(reference) {
      preview.innerHTML = "";
      if (!reference) { return; }
      const result = await self.postJson(self.urls.preview, { reference: reference });
      if (result.status === 200) { preview.innerHTML = result.body.html; } else { preview.textContent = result.body.error.message; }
    }
    const known = forms.some(function (f) { return f.reference === current; });
    const options = [h("option", { value: "", text: this.t.noForm })].concat(forms.map(function (f) {
      const where = f.source === "stored" ? " · " + self.t.stored + " " + self.t.version + " " + f.version : "";
      return h("option", { value: f.reference, text: f.title + " (" + f.name + ")" + where, selected: f.reference === current });
    }));
    if (current && !known) { options.push(h("option", { value: current, text: current, selected: true })); }
    const select = h("select", { class: "form-select form-select-sm", id: "jx-form",
      onchange: function (event) { self.setProperty(element, "formJsonSchemaFilename", event.target.value); showPreview(event.target.value); } }, options);
    this.root.appendChild(this.field("jx-form", this.t.form, select));
    this.root.appendChild(h("details", { class: "mb-2" }, [h("summary", { text: this.t.preview }), preview]));
    showPreview(current);
    const due = this.textInput("jx-due", this.property(element, "dueDate"), function (value) { self.setProperty(element, "dueDate", value); });
    this.root.appendChild(this.field("jx-due", this.t.dueDate, due, this.t.dueHelp));
    this.root.appendChild(this.workdayHelper("jx-due-days", function (expression) {
      due.value = expression; self.setProperty(element, "dueDate", expression);
    }));
    [["reminderWorkdays", "jx-reminder", this.t.reminder], ["escalationWorkdays", "jx-escalation", this.t.escalation]].forEach(function (item) {
      self.root.appendChild(self.field(item[1], item[2], self.textInput(item[1], self.property(element, item[0]), function (value) {
        self.setProperty(element, item[0], value.replace(/[^0-9]/g, ""));
      }, "number")));
    });
    this.assignment(element);
  };

  // Who works the task besides its lane, and what an overdue costs (the engine reads these
  // spiffworkflow:properties: assignee, unit, overdueRule, priority).
  Panel.prototype.assignment = function (element) {
    const self = this;
    [["assignee", "jx-assignee", this.t.assignee, this.t.assigneeHelp],
     ["unit", "jx-unit", this.t.taskUnit, this.t.taskUnitHelp]].forEach(function (item) {
      const input = self.textInput(item[1], self.property(element, item[0]), function (value) { self.setProperty(element, item[0], value); });
      self.root.appendChild(self.field(item[1], item[2], input, item[3]));
      self.root.appendChild(self.codeCheck(item[1], function () { return input.value; }, "eval"));
    });
    const current = this.property(element, "overdueRule");
    const rules = [["", this.t.overdueDefault], ["late_report", this.t.overdueLateReport],
      ["missing_report", this.t.overdueMissingReport], ["overdue_task", this.t.overdueTask], ["none", this.t.overdueNone]];
    const select = h("select", { class: "form-select form-select-sm", id: "jx-overdue-rule",
      onchange: function (event) { self.setProperty(element, "overdueRule", event.target.value); } },
      rules.map(function (rule) {
        const option = h("option", { value: rule[0], text: rule[1] });
        if (rule[0] === current) { option.selected = true; }
        return option;
      }));
    this.root.appendChild(this.field("jx-overdue-rule", this.t.overdueRule, select));
    this.root.appendChild(this.field("jx-priority", this.t.priority, this.textInput("jx-priority", this.property(element, "priority"), function (value) {
      self.setProperty(element, "priority", value.replace(/[^0-9-]/g, ""));
    }, "number")));
  };

  // A timer start event may start one instance per unit: `startFor` names the operation that
  // lists them.
  Panel.prototype.startSet = async function (element) {
    const self = this;
    const operations = await this.fetchList("operations", this.urls.operations);
    const current = this.property(element, "startFor");
    const options = [h("option", { value: "", text: this.t.startOnce })].concat(operations.map(function (op) {
      const option = h("option", { value: op.name, text: op.name });
      if (op.name === current) { option.selected = true; }
      return option;
    }));
    const select = h("select", { class: "form-select form-select-sm", id: "jx-start-for",
      onchange: function (event) { self.setProperty(element, "startFor", event.target.value); } }, options);
    this.root.appendChild(this.field("jx-start-for", this.t.startFor, select, this.t.startForHelp));
  };

  Panel.prototype.workdayHelper = function (id, apply) {
    const days = h("input", { class: "form-control form-control-sm", id: id, type: "number", min: "1", value: "5", style: "width: 5rem" });
    return h("div", { class: "input-group input-group-sm mb-2" }, [
      h("label", { class: "input-group-text", for: id, text: this.t.workdays }), days,
      h("button", { class: "btn btn-outline-secondary", type: "button", id: id + "-apply", text: this.t.useWorkdays,
        onclick: function () { apply("workday_deadline(now(), " + Math.max(1, parseInt(days.value, 10) || 1) + ")"); } })]);
  };

  Panel.prototype.timer = function (element, definition) {
    const self = this;
    const moddle = this.modeler.get("moddle");
    let kind = TIMER_KINDS.find(function (k) { return definition[k]; }) || "timeDuration";
    const expression = definition[kind] ? definition[kind].body || "" : "";
    function write(value) {
      const update = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
      if (value) { update[kind] = moddle.create("bpmn:FormalExpression", { body: value }); }
      self.modeler.get("modeling").updateModdleProperties(element, definition, update);
    }
    const input = this.textInput("jx-timer", expression, write);
    const select = h("select", { class: "form-select form-select-sm", id: "jx-timer-kind",
      onchange: function (event) { kind = event.target.value; write(input.value.trim()); } }, TIMER_KINDS.map(function (k) {
      return h("option", { value: k, text: self.t[k], selected: k === kind });
    }));
    this.root.appendChild(this.field("jx-timer-kind", this.t.timerKind, select));
    this.root.appendChild(this.field("jx-timer", this.t.timerExpression, input, this.t.timerHelp));
    this.root.appendChild(this.workdayHelper("jx-timer-days", function (value) {
      kind = "timeDate"; select.value = kind; input.value = value; write(value);
    }));
    this.root.appendChild(this.codeCheck("jx-timer", function () { return input.value; }, "eval"));
  };

  Panel.prototype.serviceTask = async function (element) {
    const self = this;
    const moddle = this.modeler.get("moddle");
    const operations = await this.fetchList("operations", this.urls.operations);
    if (this.element !== element) { return; }
    const values = this.extensions(element);
    const operator = values.find(function (v) { return v.$type === "spiffworkflow:ServiceTaskOperator"; });
    const chosen = operator ? operator.id : "";
    const params = {};
    ((operator && operator.parameterList && operator.parameterList.parameters) || []).forEach(function (p) { params[p.id] = p.value || ""; });
    let result = operator ? operator.resultVariable || "" : "";
    function write(name) {
      const kept = self.extensions(element).filter(function (v) { return v.$type !== "spiffworkflow:ServiceTaskOperator"; });
      if (name) {
        const operation = operations.find(function (o) { return o.name === name; });
        const list = (operation ? operation.params : []).filter(function (p) { return params[p.name]; }).map(function (p) {
          return moddle.create("spiffworkflow:Parameter", { id: p.name, type: "str", value: params[p.name] });
        });
        const parameters = moddle.create("spiffworkflow:Parameters", { parameters: list });
        list.forEach(function (p) { p.$parent = parameters; });
        const created = moddle.create("spiffworkflow:ServiceTaskOperator", { id: name, resultVariable: result || undefined, parameterList: parameters });
        parameters.$parent = created;
        kept.push(created);
      }
      self.setExtensions(element, kept);
    }
    const select = h("select", { class: "form-select form-select-sm", id: "jx-operation",
      onchange: function (event) { write(event.target.value); self.show(element); } },
    [h("option", { value: "", text: this.t.noOperation })].concat(operations.map(function (o) {
      return h("option", { value: o.name, text: o.name, selected: o.name === chosen });
    })));
    this.root.appendChild(this.field("jx-operation", this.t.operation, select));
    const operation = operations.find(function (o) { return o.name === chosen; });
    if (!operation) { return; }
    this.root.appendChild(h("p", { class: "text-muted", text: operation.description }));
    this.root.appendChild(this.field("jx-result", this.t.resultVariable, this.textInput("jx-result", result, function (value) { result = value; write(chosen); })));
    operation.params.forEach(function (p) {
      const id = "jx-param-" + p.name.replace(/[^a-z0-9_]/gi, "_");
      const label = self.t.parameter + " " + p.name + (p.required ? " (" + self.t.required + ")" : "");
      self.root.appendChild(self.field(id, label, self.textInput(id, params[p.name] || "", function (value) { params[p.name] = value; write(chosen); })));
    });
  };

  Panel.prototype.scriptTask = function (element) {
    const self = this;
    const area = h("textarea", { class: "form-control form-control-sm font-monospace", id: "jx-script", rows: "8",
      onchange: function (event) {
        self.modeler.get("modeling").updateProperties(element, { scriptFormat: "python", script: event.target.value || undefined });
      } });
    area.value = element.businessObject.script || "";
    this.root.appendChild(this.field("jx-script", this.t.script, area));
    this.root.appendChild(this.codeCheck("jx-script", function () { return area.value; }, "exec"));
  };

  // The collections a multi-instance task runs over and collects into, and its item names.
  Panel.prototype.multiInstance = function (element) {
    const self = this;
    const moddle = this.modeler.get("moddle");
    const loop = element.businessObject.loopCharacteristics;
    function named(ref) { return ref ? ref.id || "" : ""; }
    const fields = [
      ["jx-mi-input", this.t.miInput, named(loop.loopDataInputRef), function (value) {
        return { loopDataInputRef: value ? moddle.create("bpmn:DataInput", { id: value }) : undefined };
      }],
      ["jx-mi-item", this.t.miItem, named(loop.inputDataItem), function (value) {
        return { inputDataItem: value ? moddle.create("bpmn:DataInput", { id: value, name: value }) : undefined };
      }],
      ["jx-mi-output", this.t.miOutput, named(loop.loopDataOutputRef), function (value) {
        return { loopDataOutputRef: value ? moddle.create("bpmn:DataOutput", { id: value }) : undefined };
      }],
      ["jx-mi-output-item", this.t.miOutputItem, named(loop.outputDataItem), function (value) {
        return { outputDataItem: value ? moddle.create("bpmn:DataOutput", { id: value, name: value }) : undefined };
      }]
    ];
    fields.forEach(function (field) {
      self.root.appendChild(self.field(field[0], field[1], self.textInput(field[0], field[2], function (value) {
        self.modeler.get("modeling").updateModdleProperties(element, loop, field[3](value.trim()));
      })));
    });
  };

  // A script run as the task completes (on each instance of a multi-instance task).
  Panel.prototype.postScript = function (element) {
    const self = this;
    const moddle = this.modeler.get("moddle");
    const current = this.extensions(element).find(function (v) { return v.$type === "spiffworkflow:PostScript"; });
    const area = h("textarea", { class: "form-control form-control-sm font-monospace", id: "jx-post-script", rows: "3",
      onchange: function (event) {
        const values = self.extensions(element).filter(function (v) { return v.$type !== "spiffworkflow:PostScript"; });
        if (event.target.value.trim()) { values.push(moddle.create("spiffworkflow:PostScript", { value: event.target.value })); }
        self.setExtensions(element, values);
        const loop = element.businessObject.loopCharacteristics;
        if (loop && loop.$type === "bpmn:MultiInstanceLoopCharacteristics") {
          loop.$attrs["spiffworkflow:scriptsOnInstances"] = "true";  // run it on each instance
        }
      } });
    area.value = current ? current.value || "" : "";
    this.root.appendChild(this.field("jx-post-script", this.t.postScript, area, this.t.postScriptHelp));
    this.root.appendChild(this.codeCheck("jx-post-script", function () { return area.value; }, "exec"));
  };

  Panel.prototype.condition = function (element) {
    const self = this;
    const source = element.businessObject.sourceRef;
    if (!source || ["bpmn:ExclusiveGateway", "bpmn:InclusiveGateway"].indexOf(source.$type) < 0) { return; }
    const current = element.businessObject.conditionExpression;
    const input = this.textInput("jx-condition", current ? current.body || "" : "", function (value) {
      const expression = value ? self.modeler.get("moddle").create("bpmn:FormalExpression", { body: value }) : undefined;
      self.modeler.get("modeling").updateProperties(element, { conditionExpression: expression });
    });
    this.root.appendChild(this.field("jx-condition", this.t.condition, input));
    this.root.appendChild(this.codeCheck("jx-condition", function () { return input.value; }, "eval"));
  };

  window.JxPanel = Panel;
})();
