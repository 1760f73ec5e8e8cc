"""The process owners' workbench (issue 6, first slice): the bpmn-js modeler in the browser,
server-side validation shown on the diagram, and deploy."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.db import utcnow
from app.errors import DomainError, InvalidInput
from app.extensions import db_session
from app.web.context import current_actor, login_required, permission_required
from app.workflow.deploy import deploy, validate_uploads
from app.workflow.diagrams import Upload

bp = Blueprint("workbench", __name__, url_prefix="/workbench", template_folder="templates")
MAX_XML_CHARS = 5 * 1024 * 1024


def _upload_from_request() -> Upload:
    body = request.get_json(silent=True)
    xml = body.get("xml") if isinstance(body, dict) else None
    if not isinstance(xml, str) or not xml.strip() or len(xml) > MAX_XML_CHARS:
        raise InvalidInput(_('Send the diagram as {"xml": "..."}.'), details=[])
    name = str(body.get("name") or "diagram.bpmn")[:100] if isinstance(body, dict) else ""
    return Upload(name if name.endswith(".bpmn") else f"{name}.bpmn", xml.encode())


def _problems(error: DomainError) -> Any:
    details = error.details if isinstance(error.details, list) else []
    problems = details or [{"message": error.message, "element_id": None}]
    return jsonify({"ok": False, "message": error.message, "problems": problems}), error.status


@bp.get("/")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def editor() -> Any:
    """The modeler, opening a deployed version (`?key=&version=`) or a new diagram."""
    return render_template(
        "workbench/editor.html",
        key=request.args.get("key", ""),
        version=request.args.get("version", type=int),
    )


@bp.post("/validate")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def validate() -> Any:
    """Run the deploy checks without deploying; every problem with its element."""
    try:
        bundle = validate_uploads(db_session(), [_upload_from_request()])
    except DomainError as error:
        db_session().rollback()
        return _problems(error)
    db_session().rollback()
    return jsonify({"ok": True, "problems": [], "processes": bundle.process_ids})


@bp.post("/deploy")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def deploy_xml() -> Any:
    """Deploy the diagram in the editor as a new version."""
    try:
        result = deploy(
            db_session(), actor=current_actor(), uploads=[_upload_from_request()], now=utcnow()
        )
    except DomainError as error:
        db_session().rollback()
        return _problems(error)
    db_session().commit()
    return jsonify(
        {"ok": True, "key": result.key, "version": result.version, "warnings": result.warnings}
    ), 201
