"""The page layer's shared parts: dashboard, error pages, security headers, vendor assets."""

from __future__ import annotations

from flask import Flask

from app.web.errors import register_error_handlers
from app.web.routes import bp
from app.web.security import register_security
from app.web.templating import register_templating
from app.web.vendor import bp as vendor_bp


def init_web(app: Flask) -> None:
    """Attach the page layer to `app`."""
    register_security(app)
    register_templating(app)
    register_error_handlers(app)
    app.register_blueprint(bp)
    app.register_blueprint(vendor_bp)
