"""Reading uploaded BPMN/DMN XML safely: no DTD, no entities, no network, a size cap."""

from __future__ import annotations

from lxml import etree

from app.errors import DomainError

MAX_FILE_BYTES = 5 * 1024 * 1024
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")


class UnsafeXml(DomainError):
    """The file declares a DTD or entities, or is not well-formed XML."""

    status = 400
    code = "unsafe_xml"


class UploadTooLarge(DomainError):
    """The file is over the size cap."""

    status = 413
    code = "too_large"


def _declares_dtd(data: bytes) -> bool:
    upper = data.upper()
    if any(marker in upper for marker in _FORBIDDEN):
        return True
    # The same markers in UTF-16 and UTF-32, either byte order.
    for encoding in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        if any(marker.decode().encode(encoding) in upper for marker in _FORBIDDEN):
            return True
    return False


def parse_xml(name: str, data: bytes) -> etree._Element:
    """The document's root element, or an error that says why the file is refused."""
    if len(data) > MAX_FILE_BYTES:
        raise UploadTooLarge(f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if _declares_dtd(data):
        raise UnsafeXml(f"{name}: DOCTYPE not allowed (no DTDs or entities in diagrams)")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as error:
        raise UnsafeXml(f"{name}: not well-formed XML: {error}") from None
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml(f"{name}: DOCTYPE not allowed (no DTDs or entities in diagrams)")
    return root
