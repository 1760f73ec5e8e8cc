"""Element-by-element comparison of two BPMN diagrams (for deploy summaries and version history).

Only the process semantics count: layout (`bpmndi`) is ignored, and an element is "changed" when
its own attributes, text or unnamed children differ (elements with ids are compared on their own).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from lxml import etree

from app.workflow.definitions.xml_safety import parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SKIPPED = {"definitions", "BPMNDiagram"}


@dataclass(frozen=True)
class Element:
    """One BPMN element with an id: its type, its name and a digest of what it says."""

    id: str
    kind: str
    name: str
    digest: str


@dataclass
class Changes:
    """What differs from the old diagram to the new one."""

    added: list[Element] = field(default_factory=list)
    removed: list[Element] = field(default_factory=list)
    changed: list[Element] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing differs."""
        return not (self.added or self.removed or self.changed)

    def as_dict(self) -> dict[str, list[dict[str, str]]]:
        """JSON for the editor: lists of `{id, kind, name}`."""

        def rows(elements: list[Element]) -> list[dict[str, str]]:
            return [{"id": e.id, "kind": e.kind, "name": e.name} for e in elements]

        return {
            "added": rows(self.added),
            "removed": rows(self.removed),
            "changed": rows(self.changed),
        }


def _own_content(node: etree._Element) -> bytes:
    """The element without the children that have ids of their own (those are compared apart)."""
    copy = etree.fromstring(etree.tostring(node))
    for child in list(copy.iter()):
        if child is not copy and isinstance(child.tag, str) and child.get("id"):
            parent = child.getparent()
            if parent is not None:
                parent.remove(child)
    content: bytes = etree.tostring(copy, method="c14n")
    return content


def elements_of(xml: str) -> dict[str, Element]:
    """Every BPMN element with an id outside the diagram layout, by id."""
    root = parse_xml("diagram.bpmn", xml.encode())
    found: dict[str, Element] = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or not node.get("id"):
            continue
        qname = etree.QName(node)
        if qname.namespace != BPMN_NS or qname.localname in _SKIPPED:
            continue
        digest = hashlib.sha256(_own_content(node)).hexdigest()
        found[node.get("id", "")] = Element(
            node.get("id", ""), qname.localname, node.get("name") or "", digest
        )
    return found


def compare(old_xml: str | None, new_xml: str) -> Changes:
    """The elements added, removed and changed from `old_xml` (None: nothing yet) to `new_xml`."""
    old = elements_of(old_xml) if old_xml else {}
    new = elements_of(new_xml)
    return Changes(
        added=[e for i, e in new.items() if i not in old],
        removed=[e for i, e in old.items() if i not in new],
        changed=[e for i, e in new.items() if i in old and old[i].digest != e.digest],
    )
