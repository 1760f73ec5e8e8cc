"""The process owners' workbench (issue 6): the bpmn-js modeler with a properties panel, server
validation shown on the diagram, drafts, deploy with a summary of changes, version history, the
forms editor and test runs. Pages are HTML; `/workbench/api/...` answers JSON for the editor."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app.auth.roles import Permission
from app.db import utcnow
from app.errors import AccessDenied, DomainError, HiddenFromActor, InvalidInput, NotFound
from app.extensions import db_session
from app.web.context import current_actor, login_required, permission_required
from app.web.errors import audit_denial
from app.workbench import services
from app.workbench.changes import compare
from app.workbench.texts import editor_texts
from app.workflow.definitions.deploy import deploy, validate_uploads
from app.workflow.definitions.diagrams import Upload
from app.workflow.definitions.dry_run import dry_run
from app.workflow.definitions.forms import FormProblem, load_form
from app.workflow.tasks.form_fields import form_fields

bp = Blueprint("workbench", __name__, url_prefix="/workbench", template_folder="templates")
MAX_XML_CHARS = 5 * 1024 * 1024


def _json_error(status: int, code: str, message: str, details: Any = None) -> Any:
    return jsonify({"error": {"code": code, "message": message, "details": details}}), status


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Any:
    if isinstance(error, AccessDenied | HiddenFromActor):
        audit_denial(error)
    else:
        db_session().rollback()
    if request.path.startswith("/workbench/api/"):
        return _json_error(error.status, error.code, error.message, error.details)
    return render_template("web/error.html", status=error.status, message=error.message), (
        error.status
    )


@bp.errorhandler(CSRFError)
def _csrf_error(_error: CSRFError) -> Any:
    message = _(
        "The form has expired or did not come from this site. Reload the page and try again."
    )
    if request.path.startswith("/workbench/api/"):
        return _json_error(400, "csrf", message)
    return render_template("web/error.html", status=400, message=message), 400


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(_("Send a JSON object."), details=[])
    return body


def _text(body: dict[str, Any], name: str, limit: int = MAX_XML_CHARS) -> str:
    value = body.get(name)
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(
            _("%(name)s is missing or too long.", name=name), details=[{"field": name}]
        )
    return value


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


def _checked(upload: Upload) -> Any:
    """Deploy checks plus the workbench's rule that user tasks have a form and a due date."""
    bundle = validate_uploads(db_session(), [upload])
    problems = services.unfinished_settings(bundle)
    if problems:
        raise InvalidInput(
            _("The diagram has %(n)d problem(s).", n=len(problems)),
            details=[p.as_dict() for p in problems],
        )
    return bundle


@bp.get("/")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def editor() -> Any:
    """The modeler on a deployed version (`?key=&version=`), a draft (`&draft=`) or a blank one."""
    key = request.args.get("key", "")
    version = request.args.get("version", type=int)
    draft = request.args.get("draft", type=int)
    if key and not (draft or version):
        opened = services.editor_source(db_session(), key)
        if opened is None:
            raise NotFound(_("No such process."))
        draft, version = (opened[1], None) if opened[0] == "draft" else (None, opened[1])
    source = ""
    if key and draft:
        source = url_for("workbench.draft_xml", key=key, revision=draft)
    elif key and version:
        source = url_for("workflow.diagram_xml", key=key, version=version)
    return render_template(
        "workbench/editor.html",
        key=key,
        version=version,
        draft=draft,
        source=source,
        texts=editor_texts(),
    )


@bp.post("/validate")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def validate() -> Any:
    """Run the deploy checks without deploying; every problem with its element."""
    try:
        bundle = _checked(_upload_from_request())
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
    upload = _upload_from_request()
    try:
        _checked(upload)
        result = deploy(db_session(), actor=current_actor(), uploads=[upload], now=utcnow())
    except DomainError as error:
        db_session().rollback()
        return _problems(error)
    db_session().commit()
    return jsonify(
        {"ok": True, "key": result.key, "version": result.version, "warnings": result.warnings}
    ), 201


@bp.get("/drafts/<key>/<int:revision>.bpmn")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def draft_xml(key: str, revision: int) -> Any:
    """A draft's XML, for the editor and for download."""
    draft = services.draft_revision(db_session(), key, revision)
    response = Response(draft.xml, mimetype="application/xml")
    if request.args.get("download"):
        disposition = f'attachment; filename="{key}-draft{revision}.bpmn"'
        response.headers["Content-Disposition"] = disposition
    return response


@bp.get("/processes/<key>")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def history(key: str) -> Any:
    """Who deployed which version when, running instances per version, drafts, compare."""
    session = db_session()
    rows = services.history(session, key)
    drafts = services.drafts_of(session, key)
    if not rows and not drafts:
        raise NotFound(_("No such process."))
    return render_template("workbench/history.html", key=key, rows=rows, drafts=drafts)


@bp.get("/processes/<key>/compare")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def compare_versions(key: str) -> Any:
    """Two deployed versions element by element."""
    session = db_session()
    old_version, new_version = request.args.get("a", type=int), request.args.get("b", type=int)
    if old_version is None or new_version is None:
        raise InvalidInput(_("Choose two versions to compare."))
    old = services.definition_version(session, key, old_version)
    new = services.definition_version(session, key, new_version)
    changes = compare(services.version_xml(old), services.version_xml(new))
    return render_template(
        "workbench/compare.html",
        key=key,
        old_label=f"v{old.version}",
        new_label=f"v{new.version}",
        changes=changes.as_dict(),
    )


@bp.get("/processes/<key>/drafts/<int:revision>/changes")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def draft_changes(key: str, revision: int) -> Any:
    """A draft element by element against the latest deployed version."""
    draft = services.draft_revision(db_session(), key, revision)
    _key, version, changes = services.changes_against_deployed(db_session(), draft.xml)
    return render_template(
        "workbench/compare.html",
        key=key,
        old_label=f"v{version}" if version else "—",
        new_label=f"{_('draft')} {revision}",
        changes=changes.as_dict(),
    )


@bp.get("/forms")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def forms() -> Any:
    """Forms in forms/ and stored forms."""
    entries = services.available_forms(db_session(), current_app.config["FORMS_DIR"])
    return render_template("workbench/forms.html", entries=entries)


@bp.get("/forms/edit")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def form_editor() -> Any:
    """JSON Schema and UI schema side by side with a live preview; saving makes a new version."""
    name = request.args.get("name", "").strip()
    schema: dict[str, Any] = {"type": "object", "properties": {}}
    ui_schema: dict[str, Any] = {}
    if name:
        schema, ui_schema = services.form_to_edit(name)
    versions = services.stored_versions(db_session(), name) if name else []
    return render_template(
        "workbench/form_editor.html",
        name=name,
        schema=schema,
        ui_schema=ui_schema,
        versions=versions,
        texts=editor_texts(),
    )


@bp.get("/api/roles")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def api_roles() -> Any:
    """Roles a lane may name."""
    return jsonify({"roles": services.lane_roles()})


@bp.get("/api/forms")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def api_forms() -> Any:
    """Forms a user task may name."""
    entries = services.available_forms(db_session(), current_app.config["FORMS_DIR"])
    return jsonify({"forms": [e.__dict__ for e in entries]})


@bp.get("/api/operations")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def api_operations() -> Any:
    """Registered service operations and their parameters."""
    return jsonify({"operations": services.registered_operations()})


@bp.post("/api/check-code")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def api_check_code() -> Any:
    """Compile a script or expression under the deploy sandbox."""
    body = _body()
    source = _text(body, "source", 20_000)
    problems = services.code_problems(source, str(body.get("mode") or "exec"))
    return jsonify({"ok": not problems, "problems": problems})


@bp.post("/api/form-preview")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def api_form_preview() -> Any:
    """The form drawn by the server renderer: a stored or file form by `reference`, or the
    `schema` and `ui_schema` being edited."""
    body = _body()
    if isinstance(body.get("reference"), str):
        try:
            form = load_form(body["reference"])
        except FormProblem as error:
            raise InvalidInput(str(error), details=[{"field": "reference"}]) from None
        schema, ui_schema = form.schema, form.ui_schema
    else:
        schema = services.parse_form_json(_text(body, "schema", 200_000), "schema")
        ui_schema = services.parse_form_json(_text(body, "ui_schema", 200_000), "ui_schema")
        services.check_form("preview", schema, ui_schema)
    html = render_template(
        "workbench/_preview.html", schema=schema, fields=form_fields(schema, ui_schema, {})
    )
    return jsonify({"ok": True, "html": html})


@bp.post("/api/forms")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def api_save_form() -> Any:
    """Save the form as its next stored version."""
    body = _body()
    form = services.save_form(
        db_session(),
        actor=current_actor(),
        name=_text(body, "name", 120).strip(),
        schema=services.parse_form_json(_text(body, "schema", 200_000), "schema"),
        ui_schema=services.parse_form_json(_text(body, "ui_schema", 200_000), "ui_schema"),
        now=utcnow(),
    )
    db_session().commit()
    return jsonify({"ok": True, "name": form.name, "version": form.version}), 201


@bp.post("/api/drafts")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def api_save_draft() -> Any:
    """Keep the editor's diagram as a new draft revision."""
    upload = _upload_from_request()
    draft = services.save_draft(
        db_session(),
        actor=current_actor(),
        xml=upload.data.decode(),
        file_name=upload.name,
        now=utcnow(),
    )
    db_session().commit()
    return jsonify({"ok": True, "key": draft.key, "revision": draft.revision}), 201


@bp.post("/api/changes")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def api_changes() -> Any:
    """What deploying the editor's diagram would change against the deployed version."""
    upload = _upload_from_request()
    key, version, changes = services.changes_against_deployed(db_session(), upload.data.decode())
    return jsonify({"key": key, "deployed_version": version, **changes.as_dict()})


@bp.post("/api/dry-run")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def api_dry_run() -> Any:
    """Run the editor's diagram in memory: nothing is stored, sent or scored."""
    upload = _upload_from_request()
    body = _body()
    data = body.get("data") or {}
    samples = body.get("samples") or {}
    if not isinstance(data, dict) or not isinstance(samples, dict):
        raise InvalidInput(_("Start data and sample data must be JSON objects."), details=[])
    result = dry_run(db_session(), upload, data=data, samples=samples)
    db_session().rollback()
    return jsonify(result.as_dict())
