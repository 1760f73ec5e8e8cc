"""Parsing an upload of BPMN and DMN files into SpiffWorkflow specs, and reading what Jixiao needs
from the XML that SpiffWorkflow's parsers ignore (lane roles, forms, due dates, assignees)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from app.auth.roles import Role
from app.workflow.definitions.xml_safety import parse_xml
from app.workflow.instances.serialization import CAMUNDA, SPIFF
from app.workflow.scripting.time_expressions import (
    braced_expression,
    camunda_timer_expression,
    date_expression,
    timer_definitions,
)

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
HUMAN_TASK_TAGS = ("userTask", "manualTask")
_ROLE_IN_NAME = re.compile(r"[（(]\s*([a-z_]+)\s*[)）]\s*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a diagram, at its element where known."""

    message: str
    element_id: str | None = None
    file: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The API's `{message, element_id}` shape (plus the file)."""
        return {"message": self.message, "element_id": self.element_id, "file": self.file}


@dataclass(frozen=True)
class Upload:
    """One uploaded file."""

    name: str
    data: bytes


@dataclass
class Bundle:
    """The parsed upload: its specs per process id, the task settings, and any problems."""

    dialect: str
    files: dict[str, str]
    process_ids: list[str]
    specs: dict[str, tuple[Any, dict[str, Any]]] = field(default_factory=dict)
    # Top-level process id -> element id -> settings: two processes of one upload may use the
    # same element ids (every procedure has its `office_check`).
    process_settings: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    called: set[str] = field(default_factory=set)
    element_files: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def settings_for(self, key: str) -> dict[str, dict[str, Any]]:
        """The user-task settings of process `key` and the processes it calls, by element id.
        The inner dicts are the stored ones: what lint fills in is kept."""
        _spec, subs = self.specs[key]
        merged: dict[str, dict[str, Any]] = {}
        for process_id in [*subs, key]:  # the process's own elements win
            merged.update(self.process_settings.get(process_id, {}))
        return merged

    def all_task_settings(self) -> list[tuple[str, dict[str, Any]]]:
        """(element id, settings) of every user task of every process in the upload."""
        return [
            (element_id, settings)
            for by_element in self.process_settings.values()
            for element_id, settings in by_element.items()
        ]

    def settings_slot(self, key: str, element_id: str) -> dict[str, Any]:
        """The stored settings of an element of `key`, created empty if it has none."""
        found = self.settings_for(key).get(element_id)
        if found is None:
            found = self.process_settings.setdefault(key, {}).setdefault(element_id, {})
        return found


def lane_role(lane: str | None) -> Role | None:
    """The role a lane names: its whole name or a trailing '(role_code)'."""
    if not lane:
        return None
    candidate = lane.strip()
    match = _ROLE_IN_NAME.search(candidate)
    if match:
        candidate = match.group(1)
    try:
        return Role(candidate)
    except ValueError:
        return None


def lane_label(lane: str | None) -> str:
    """A lane's name as people read it: without the role code in brackets that the engine reads
    (`省领导 (provincial_leader)` → 省领导); a lane named by a bare code gives the role's name."""
    if not lane:
        return ""
    name = _ROLE_IN_NAME.sub("", lane).strip()
    role = lane_role(lane)
    if role is not None and (not name or name == role.value):
        return role.label
    return name


def camunda_expression(value: str | None) -> str | None:
    """A Camunda `${expr}` as a Python expression; a plain value as a string literal."""
    if value is None or not value.strip():
        return None
    inner = braced_expression(value)
    return inner if inner is not None else repr(value.strip())


def _spiff_properties(node: etree._Element) -> dict[str, str]:
    return {
        prop.get("name", ""): prop.get("value", "")
        for prop in node.iterfind(
            f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"
        )
    }


def _camunda_properties(node: etree._Element) -> dict[str, str]:
    return {
        prop.get("name", ""): prop.get("value", "")
        for prop in node.iterfind(
            f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}properties/{{{CAMUNDA_NS}}}property"
        )
    }


def _camunda_settings(node: etree._Element) -> dict[str, Any]:
    props = _camunda_properties(node)
    groups = (node.get(f"{{{CAMUNDA_NS}}}candidateGroups") or "").split(",")
    return {
        "form": node.get(f"{{{CAMUNDA_NS}}}formKey") or None,
        "ui_form": None,
        "due": date_expression(node.get(f"{{{CAMUNDA_NS}}}dueDate")),
        "follow_up": date_expression(node.get(f"{{{CAMUNDA_NS}}}followUpDate")),
        "assignee": camunda_expression(node.get(f"{{{CAMUNDA_NS}}}assignee")),
        "candidate_groups": [g.strip() for g in groups if g.strip()],
        "priority": node.get(f"{{{CAMUNDA_NS}}}priority") or props.get("priority"),
        "reminder_workdays": props.get("reminderWorkdays"),
        "escalation_workdays": props.get("escalationWorkdays"),
        "unit": props.get("unit") or None,
        "overdue_rule": props.get("overdueRule") or None,
    }


def _spiff_settings(node: etree._Element) -> dict[str, Any]:
    props = _spiff_properties(node)
    groups = props.get("candidateGroups", "").split(",")
    return {
        "form": props.get("formJsonSchemaFilename") or None,
        "ui_form": props.get("formUiSchemaFilename") or None,
        "due": date_expression(props.get("dueDate")),
        "follow_up": date_expression(props.get("followUpDate")),
        "assignee": props.get("assignee") or None,
        "candidate_groups": [g.strip() for g in groups if g.strip()],
        "priority": props.get("priority"),
        "reminder_workdays": props.get("reminderWorkdays"),
        "escalation_workdays": props.get("escalationWorkdays"),
        "unit": props.get("unit") or None,
        "overdue_rule": props.get("overdueRule") or None,
    }


def human_task_settings(node: etree._Element, dialect: str) -> dict[str, Any]:
    """Form, due date, assignee, priority and deadline settings of one user task element, and
    `unit`: an expression naming the unit whose staff work a unit-lane task, when it is not the
    instance's unit (a lead unit reviewing a responsible unit's report); `overdue_rule`: the P
    rule proposed when the task goes overdue (`overdue_task` unless named; `none` for none).

    A spiff diagram may still carry Camunda attributes (a Camunda diagram edited in the
    workbench gains spiff properties): what the spiff properties leave unset is read from them.
    """
    camunda = _camunda_settings(node)
    if dialect == CAMUNDA:
        return camunda
    spiff = _spiff_settings(node)
    return {key: value if value not in (None, []) else camunda[key] for key, value in spiff.items()}


def _uses(root: etree._Element, namespace: str) -> bool:
    """Whether an element or attribute of the document is in `namespace`."""
    prefix = f"{{{namespace}}}"
    return any(
        isinstance(node.tag, str)
        and (node.tag.startswith(prefix) or any(a.startswith(prefix) for a in node.attrib))
        for node in root.iter()
    )


def detect_dialect(roots: list[etree._Element]) -> str:
    """Camunda when the files use Camunda extensions and no spiff ones. A namespace that is
    declared but unused does not count: the workbench's modeler declares spiff's on every
    diagram it saves, a Camunda one included."""
    camunda = any(_uses(root, CAMUNDA_NS) for root in roots)
    spiff = any(_uses(root, SPIFF_NS) for root in roots)
    return CAMUNDA if camunda and not spiff else SPIFF


def _is_dmn(root: etree._Element) -> bool:
    return "DMN" in etree.QName(root).namespace.upper() if etree.QName(root).namespace else False


class _AssignmentCamundaParser(CamundaParser):  # type: ignore[misc]
    """Camunda parser; the Camunda assignment attributes are read separately from the XML."""


def new_parser(dialect: str) -> Any:
    """A single-use parser for the dialect, validating against the BPMN XSD."""
    if dialect == CAMUNDA:
        return _AssignmentCamundaParser(validator=BpmnValidator())
    return SpiffBpmnParser(validator=VALIDATOR)


def _problem_from(error: Exception, file: str | None = None) -> Problem:
    if isinstance(error, ValidationException):
        return Problem(str(error).split("\n")[0], error.id or None, error.file_name or file)
    return Problem(str(error).split("\n")[0] or type(error).__name__, None, file)


def parse_upload(uploads: list[Upload], earlier_files: Any) -> Bundle:
    """Parse every file; `earlier_files(key)` gives the files of a key deployed earlier."""
    roots = {u.name: parse_xml(u.name, u.data) for u in uploads}
    bpmn = {name: root for name, root in roots.items() if not _is_dmn(root)}
    dialect = detect_dialect(list(bpmn.values()))
    bundle = Bundle(dialect, {u.name: u.data.decode("utf-8", "replace") for u in uploads}, [])
    parser = new_parser(dialect)
    for name, root in roots.items():
        try:
            if name in bpmn:
                parser.add_bpmn_xml(root, filename=name)
            else:
                parser.add_dmn_xml(root, filename=name)
        except (SpiffWorkflowException, etree.LxmlError, ValueError) as error:
            bundle.problems.append(_problem_from(error, name))
    if bundle.problems:
        return bundle
    bundle.process_ids = list(parser.get_process_ids())
    _add_called_processes(parser, bpmn, bundle, earlier_files)
    for name, root in bpmn.items():
        _collect_task_settings(root, dialect, bundle, name)
    for process_id in bundle.process_ids:
        try:
            bundle.specs[process_id] = (
                parser.get_spec(process_id),
                parser.get_subprocess_specs(process_id),
            )
        except (SpiffWorkflowException, ValueError, KeyError) as error:
            bundle.problems.append(_problem_from(error))
    if dialect == CAMUNDA:
        _read_camunda_timers(bundle)
    return bundle


def _read_camunda_timers(bundle: Bundle) -> None:
    """Camunda Modeler writes timers as ISO 8601 literals or `${expr}`; the engine evaluates
    them as expressions, so they are stored as such (the deployed spec holds the expression)."""
    for spec, subprocess_specs in bundle.specs.values():
        for process_spec in [spec, *subprocess_specs.values()]:
            for task_spec in process_spec.task_specs.values():
                for definition in timer_definitions(task_spec):
                    definition.expression = camunda_timer_expression(definition.expression)


def _add_called_processes(
    parser: Any, bpmn: dict[str, etree._Element], bundle: Bundle, earlier_files: Any
) -> None:
    for root in bpmn.values():
        for call in root.iter(full_tag("callActivity")):
            called = call.get("calledElement")
            if not called:
                continue
            bundle.called.add(called)
            if called in bundle.process_ids:
                continue
            files = earlier_files(called)
            if files is None:
                bundle.problems.append(
                    Problem(
                        f"call activity calls process {called!r}, which is neither in this upload "
                        "nor deployed",
                        call.get("id"),
                    )
                )
                continue
            for name, text in files.items():
                if name in bundle.files:
                    continue
                earlier = parse_xml(name, text.encode())
                try:
                    (parser.add_dmn_xml if _is_dmn(earlier) else parser.add_bpmn_xml)(
                        earlier, filename=name
                    )
                except SpiffWorkflowException:
                    continue  # already added through another called process
                if not _is_dmn(earlier):
                    _collect_task_settings(earlier, bundle.dialect, bundle, name)


def lanes_of(process: etree._Element) -> dict[str, str]:
    """Element id → name of the innermost lane that lists it.

    Read from the XML because SpiffWorkflow 3.2.0 hands every element inside an embedded subprocess
    the subprocess's lane, whatever lane the element itself is drawn in.
    """
    lanes: dict[str, str] = {}
    for lane in process.iter(full_tag("lane")):  # document order: inner lanes come later
        for ref in lane.iterfind(full_tag("flowNodeRef")):
            if ref.text and ref.text.strip():
                lanes[ref.text.strip()] = lane.get("name") or ""
    return lanes


def _collect_task_settings(root: etree._Element, dialect: str, bundle: Bundle, file: str) -> None:
    for process in root.iter(full_tag("process")):
        for node in process.iter():
            element_id = node.get("id") if isinstance(node.tag, str) else None
            if element_id:
                bundle.element_files.setdefault(element_id, file)
        lanes = lanes_of(process)
        for tag in HUMAN_TASK_TAGS:
            for node in process.iter(full_tag(tag)):
                element_id = node.get("id", "")
                settings = human_task_settings(node, dialect)
                if element_id in lanes:
                    settings["xml_lane"] = lanes[element_id]
                bundle.process_settings.setdefault(process.get("id", ""), {})[element_id] = settings
