"""Give a hand-written BPMN file a diagram layout (BPMN DI), so bpmn-js can show and edit it.

    python tools/layout_bpmn.py bpmn/indicator_setting.bpmn [...]

The process is laid out left to right by the longest path from its start (loops go back below
the row), one band per lane, boundary events on their task's lower edge. The file is rewritten
with its old layout (if any) replaced; everything else is kept as written. Process owners then
refine the layout in the workbench; this only gives every shipped diagram a readable start.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SIZES = {"task": (100, 80), "event": (36, 36), "gateway": (50, 50)}
COLUMN, ROW, LANE_HEADER, TOP, LEFT = 150, 110, 30, 40, 60


def _kind(tag: str) -> str:
    if tag.endswith("Event"):
        return "event"
    if tag.endswith("Gateway"):
        return "gateway"
    return "task"


@dataclass
class Box:
    """A laid-out shape."""

    x: float
    y: float
    width: float
    height: float

    @property
    def middle(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


def _q(tag: str) -> str:
    return f"{{{BPMN}}}{tag}"


def _back_edges(
    nodes: list[str], flows: list[tuple[str, str, str]], starts: list[str]
) -> set[tuple[str, str]]:
    """The flows that close a loop (found by a depth-first walk from the starts)."""
    outgoing: dict[str, list[str]] = defaultdict(list)
    for _id, source, target in flows:
        outgoing[source].append(target)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def visit(node: str) -> None:
        state[node] = 1
        for target in outgoing[node]:
            if state.get(target) == 1:
                back.add((node, target))
            elif target not in state:
                visit(target)
        state[node] = 2

    for start in [*starts, *nodes]:
        if start not in state:
            visit(start)
    return back


def _columns(
    nodes: list[str], flows: list[tuple[str, str, str]], starts: list[str]
) -> dict[str, int]:
    """Longest-path column of each node, ignoring the flows that close a loop."""
    back = _back_edges(nodes, flows, starts)
    column = dict.fromkeys(nodes, 0)
    for _ in nodes:  # relax: longest path on the acyclic rest
        for _id, source, target in flows:
            if (source, target) not in back and column[target] < column[source] + 1:
                column[target] = column[source] + 1
    return column


@dataclass
class Graph:
    """What the layout needs of a process."""

    kinds: dict[str, str]
    lanes: list[str | None]
    lane_of: dict[str, str | None]
    boundary: dict[str, str]
    flows: list[tuple[str, str, str]]
    starts: list[str]


SKIPPED = ("laneSet", "sequenceFlow", "boundaryEvent", "textAnnotation", "association")


def _graph(process: etree._Element) -> Graph:
    lanes = list(process.iter(_q("lane")))
    lane_of = {
        ref.text.strip(): lane.get("id")
        for lane in lanes
        for ref in lane.iterfind(_q("flowNodeRef"))
        if ref.text
    }
    nodes = [
        n
        for n in process
        if isinstance(n.tag, str) and n.get("id") and etree.QName(n).localname not in SKIPPED
    ]
    return Graph(
        kinds={n.get("id"): _kind(etree.QName(n).localname) for n in nodes},
        lanes=[lane.get("id") for lane in lanes] or [None],
        lane_of=lane_of,
        boundary={
            b.get("id"): b.get("attachedToRef") for b in process.iterfind(_q("boundaryEvent"))
        },
        flows=[
            (f.get("id"), f.get("sourceRef"), f.get("targetRef"))
            for f in process.iterfind(_q("sequenceFlow"))
        ],
        starts=[n.get("id") for n in nodes if etree.QName(n).localname == "startEvent"],
    )


@dataclass
class Placed:
    """Shapes, lane bands and the pool's size."""

    boxes: dict[str, Box]
    lane_bands: dict[str | None, tuple[float, float]]
    width: float
    height: float


def _place(graph: Graph) -> Placed:
    # A flow leaving a boundary event is laid out as leaving its task.
    anchored = [(i, graph.boundary.get(s, s), t) for i, s, t in graph.flows]
    column = _columns(list(graph.kinds), anchored, graph.starts)
    rows: dict[tuple[str | None, int], int] = defaultdict(int)
    slot: dict[str, tuple[str | None, int]] = {}
    for node_id in sorted(graph.kinds, key=lambda n: column[n]):
        key = (graph.lane_of.get(node_id), column[node_id])
        slot[node_id] = (key[0], rows[key])
        rows[key] += 1
    bands: dict[str | None, tuple[float, float]] = {}
    y = TOP
    for lane in graph.lanes:
        height = max([rows[(lane, c)] for c in set(column.values())] + [1]) * ROW + 20
        bands[lane] = (y, height)
        y += height
    boxes: dict[str, Box] = {}
    for node_id, kind in graph.kinds.items():
        w, h = SIZES[kind]
        lane, row = slot[node_id]
        cx = LEFT + LANE_HEADER + 90 + column[node_id] * COLUMN
        cy = bands[lane][0] + 10 + row * ROW + ROW / 2
        boxes[node_id] = Box(cx - w / 2, cy - h / 2, w, h)
    attached: dict[str, int] = defaultdict(int)
    for event_id, host in graph.boundary.items():
        host_box, offset = boxes[host], 20 + 40 * attached[host]
        attached[host] += 1
        boxes[event_id] = Box(
            host_box.x + host_box.width - offset - 18, host_box.y + host_box.height - 18, 36, 36
        )
    width = LANE_HEADER + (max(column.values()) + 1) * COLUMN + 100
    return Placed(boxes, bands, width, y - TOP)


def _waypoints(
    source: str, target: str, placed: Placed, boundary: dict[str, str], bottom: float
) -> list[tuple[float, float]]:
    s, t = placed.boxes[source], placed.boxes[target]
    (sx, sy), (tx, ty) = s.middle, t.middle
    if source in boundary:
        return (
            [(sx, s.y + s.height), (sx, ty), (t.x, ty)]
            if abs(sx - tx) > 1
            else [(sx, s.y + s.height), (tx, t.y)]
        )
    if t.x > s.x + s.width:
        if abs(sy - ty) <= 1:
            return [(s.x + s.width, sy), (t.x, ty)]
        mid = (s.x + s.width + t.x) / 2
        return [(s.x + s.width, sy), (mid, sy), (mid, ty), (t.x, ty)]
    # A loop back: under the shapes, then up into the target.
    return [(sx, s.y + s.height), (sx, bottom), (tx, bottom), (tx, t.y + t.height)]


def _shape(plane: etree._Element, element: str, box: Box, *, horizontal: bool = False) -> None:
    attributes = {"id": f"{element}_di", "bpmnElement": element}
    if horizontal:
        attributes["isHorizontal"] = "true"
    shape = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", **attributes)
    etree.SubElement(
        shape,
        f"{{{DC}}}Bounds",
        x=f"{box.x:.0f}",
        y=f"{box.y:.0f}",
        width=f"{box.width:.0f}",
        height=f"{box.height:.0f}",
    )


def layout(path: Path) -> None:
    """Rewrite `path` with a fresh diagram layout."""
    tree = etree.parse(str(path))
    root = tree.getroot()
    for old in root.findall(f"{{{BPMNDI}}}BPMNDiagram"):
        root.remove(old)
    process = root.find(_q("process"))
    if process is None:
        raise SystemExit(f"{path}: no process")
    graph = _graph(process)
    placed = _place(graph)
    collaboration = root.find(_q("collaboration"))
    participant = collaboration.find(_q("participant")) if collaboration is not None else None
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=f"Diagram_{process.get('id')}")
    plane_element = collaboration.get("id") if participant is not None else process.get("id")
    plane = etree.SubElement(
        diagram,
        f"{{{BPMNDI}}}BPMNPlane",
        id=f"Plane_{process.get('id')}",
        bpmnElement=plane_element,
    )
    if participant is not None:
        _shape(
            plane,
            participant.get("id"),
            Box(LEFT, TOP, placed.width, placed.height),
            horizontal=True,
        )
    for lane, (top, height) in placed.lane_bands.items():
        if lane is not None:
            _shape(
                plane,
                lane,
                Box(LEFT + LANE_HEADER, top, placed.width - LANE_HEADER, height),
                horizontal=True,
            )
    for element, box in placed.boxes.items():
        _shape(plane, element, box)
    bottom = TOP + placed.height - 12
    for flow_id, source, target in graph.flows:
        points = _waypoints(source, target, placed, graph.boundary, bottom)
        if len(points) == 4 and points[1][1] == bottom:
            bottom -= 6  # the next loop runs above this one
        edge = etree.SubElement(
            plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id
        )
        for px, py in points:
            etree.SubElement(edge, f"{{{DI}}}waypoint", x=f"{px:.0f}", y=f"{py:.0f}")
    etree.indent(diagram, space="  ", level=1)
    diagram.tail = "\n"
    path.write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8") + b"\n")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        layout(Path(name))
        print(f"laid out {name}")  # noqa: T201
