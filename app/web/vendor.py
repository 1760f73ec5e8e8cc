"""Browser assets served from the npm packages installed in node_modules/."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_from_directory

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@cache
def _allowed_packages(root: str) -> frozenset[str]:
    manifest = json.loads((Path(root) / "package.json").read_text())
    return frozenset(manifest.get("dependencies", {}))


def _project_root() -> Path:
    return Path(current_app.root_path).parent


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str) -> Response:
    """A file of a package listed in package.json; nothing else in node_modules."""
    root = _project_root()
    if package not in _allowed_packages(str(root)):
        abort(404)
    response = send_from_directory(root / "node_modules" / package, filename, max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
