"""A bare Flask app answering one small JSON request: the ceiling of what gunicorn with the same
settings can serve on this machine, against which the completion rate is put (issue 16)."""

from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.post("/api/v1/tasks/<task_id>/complete")
def complete(task_id: str) -> dict[str, object]:
    """Reads the body as the real endpoint does and answers a small JSON document."""
    return {"instance": {"id": task_id, "data": request.get_json(silent=True)}}


@app.get("/api/v1/openapi.json")
def ready() -> dict[str, str]:
    return {"openapi": "3.1.0"}
