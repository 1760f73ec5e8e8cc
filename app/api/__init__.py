"""The JSON API under /api/v1 (CONTRACT): thin handlers that parse, call a service, serialise."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import auth, evidence, openapi, scores, units, workflow  # noqa: E402, F401  (routes register on import)
