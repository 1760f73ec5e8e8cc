"""Uploading a file for a task's form: the answer's `id` is the value of the form's file field."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _

from app.api import bp
from app.api.edge import MalformedRequest, api_actor, token_required
from app.api.idempotency import idempotent_commit
from app.db import utcnow
from app.extensions import db_session
from app.workflow.tasks.task_files import attach_to_task


@bp.post("/tasks/<task_id>/files")
@token_required
@idempotent_commit
def upload_task_file(task_id: str) -> Any:
    """Store one file (multipart field `file`) for the task; 201 with its id and SHA-256."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise MalformedRequest(_("Send the file as multipart/form-data in the field 'file'."))
    stored = attach_to_task(
        db_session(),
        actor=api_actor(),
        task_id=task_id,
        name=upload.filename,
        content=upload.read(),
        now=utcnow(),
    )
    body = {"id": stored.id, "name": stored.original_name, "size": stored.size}
    return jsonify({**body, "sha256": stored.sha256, "content_type": stored.content_type}), 201
