"""Jixiao: performance management of Jiangxi provincial agencies, run as BPMN procedures."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application; nothing here touches the database."""
    from config import config_for  # noqa: PLC0415  (the sandbox child imports app, not config)

    app = Flask(__name__, instance_relative_config=False)
    config_class = config_for(config_name)
    app.config.from_object(config_class)
    app.config.update(overrides or {})
    _ensure_secret_key(app)
    _ensure_shared_rate_limits(app)

    from app.setup import init_app  # noqa: PLC0415  (keeps imports out of module load)

    init_app(app)
    if app.config["SCHEDULER_ENABLED"]:
        from app.workflow.timers.ticker import start_in_process  # noqa: PLC0415

        start_in_process(app)
    return app


def _ensure_shared_rate_limits(app: Flask) -> None:
    """Production counts rate limits in a store every worker shares: with memory:// each
    gunicorn worker (and node) would count alone, multiplying every limit by their number."""
    if app.config["ENV_NAME"] != "production":
        return
    storage = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://").strip().lower()
    if storage.startswith("memory"):
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI must name a store shared by every worker in production "
            "(e.g. redis://127.0.0.1:6379/0), not memory://, which counts per worker"
        )


def _ensure_secret_key(app: Flask) -> None:
    if app.config["SECRET_KEY"]:
        return
    if app.config["ENV_NAME"] == "production":
        raise RuntimeError("SECRET_KEY must be set in the environment outside development")
    from config import development_secret_key  # noqa: PLC0415

    app.config["SECRET_KEY"] = development_secret_key()
