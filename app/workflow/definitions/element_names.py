"""The names a diagram gives its elements, so that pages show 专家评审 rather than
`expert_review` wherever an event or a step carries only the element's id."""

from __future__ import annotations

from functools import lru_cache

from app.errors import DomainError
from app.workflow.definitions.xml_safety import parse_xml
from app.workflow.models import ProcessDefinition


@lru_cache(maxsize=256)
def _names_in(files: tuple[tuple[str, str], ...]) -> dict[str, str]:
    names: dict[str, str] = {}
    for file_name, text in files:
        try:
            root = parse_xml(file_name, text.encode())
        except DomainError:
            continue  # a deployed file was checked on deploy; never fail a page over it
        for node in root.iter():
            element_id = node.get("id") if isinstance(node.tag, str) else None
            name = node.get("name") if element_id else None
            if element_id and name and name.strip():
                names.setdefault(element_id, " ".join(name.split()))
    return names


def element_names(definition: ProcessDefinition) -> dict[str, str]:
    """Element id → name, over every file of the deployed definition (a version never
    changes, so the answer is kept)."""
    return _names_in(tuple(sorted((definition.files or {}).items())))
