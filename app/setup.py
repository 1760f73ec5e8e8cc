"""Wiring: extensions, blueprints, error handlers, security headers, CLI commands."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.audit import services as audit_services
from app.auth.sessions import DatabaseSessionInterface
from app.crypto.keys import keyring_for
from app.db import configure_sqlite
from app.extensions import babel, csrf, db, limiter, login_manager, migrate
from app.i18n import select_locale, select_timezone
from app.web.bounds import BoundedIntConverter, BoundedJSONProvider, BoundedRequest


def init_app(app: Flask) -> None:
    """Bind every extension and blueprint to `app`."""
    keyring_for(app.config)  # production without JIXIAO_DATA_KEYS stops here
    app.request_class = BoundedRequest
    app.json = BoundedJSONProvider(app)
    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    app.session_interface = DatabaseSessionInterface()
    audit_services.install_session_hooks()
    # Importing these registers the service operations diagrams may call.
    from app.appeals import operations as _appeal_operations  # noqa: F401, PLC0415
    from app.cycle import operations as _cycle_operations  # noqa: F401, PLC0415
    from app.evaluations import operations as _evaluation_operations  # noqa: F401, PLC0415
    from app.evaluations.ratings import operations as _rating_operations  # noqa: F401, PLC0415
    from app.indicators import operations as _indicator_operations  # noqa: F401, PLC0415
    from app.progress import operations as _progress_operations  # noqa: F401, PLC0415
    from app.signoff import operations as _signoff_operations  # noqa: F401, PLC0415
    from app.verification import operations as _verification_operations  # noqa: F401, PLC0415
    from app.workflow import operations  # noqa: F401, PLC0415

    _register_blueprints(app)
    _register_cli(app)


def _register_blueprints(app: Flask) -> None:
    from app.admin.routes import bp as admin_bp  # noqa: PLC0415
    from app.api import bp as api_bp  # noqa: PLC0415
    from app.appeals.routes import bp as appeals_bp  # noqa: PLC0415
    from app.audit.routes import bp as audit_bp  # noqa: PLC0415
    from app.auth.routes import bp as auth_bp  # noqa: PLC0415
    from app.calendar.routes import bp as calendar_bp  # noqa: PLC0415
    from app.cycle.routes import bp as cycle_bp  # noqa: PLC0415
    from app.evaluations.ratings.public_routes import bp as ratings_bp  # noqa: PLC0415
    from app.evaluations.ratings.routes import bp as ratings_office_bp  # noqa: PLC0415
    from app.evaluations.routes import bp as evaluations_bp  # noqa: PLC0415
    from app.evaluations.survey.answer_pages import bp as survey_bp  # noqa: PLC0415
    from app.evaluations.survey.routes import bp as surveys_bp  # noqa: PLC0415
    from app.indicators.routes import bp as indicators_bp  # noqa: PLC0415
    from app.notifications.routes import bp as notifications_bp  # noqa: PLC0415
    from app.portal.routes import bp as portal_bp  # noqa: PLC0415
    from app.progress.routes import bp as progress_bp  # noqa: PLC0415
    from app.results.routes import bp as results_bp  # noqa: PLC0415
    from app.scoring.routes import bp as scoring_bp  # noqa: PLC0415
    from app.supervision.routes import bp as supervision_bp  # noqa: PLC0415
    from app.verification.routes import bp as verification_bp  # noqa: PLC0415
    from app.web import init_web  # noqa: PLC0415
    from app.workbench.routes import bp as workbench_bp  # noqa: PLC0415
    from app.workflow.pages.routes import bp as workflow_bp  # noqa: PLC0415

    init_web(app)
    for blueprint in (
        indicators_bp,
        auth_bp,
        admin_bp,
        appeals_bp,
        audit_bp,
        calendar_bp,
        cycle_bp,
        evaluations_bp,
        notifications_bp,
        portal_bp,
        progress_bp,
        scoring_bp,
        results_bp,
        ratings_bp,
        ratings_office_bp,
        supervision_bp,
        survey_bp,
        surveys_bp,
        verification_bp,
        workflow_bp,
        workbench_bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)


def _register_cli(app: Flask) -> None:
    from app.audit.cli import audit_cli  # noqa: PLC0415
    from app.backup.cli import backup_cli  # noqa: PLC0415
    from app.calendar.cli import calendar_cli  # noqa: PLC0415
    from app.crypto.cli import crypto_cli  # noqa: PLC0415
    from app.cycle.cli import simulate_cli  # noqa: PLC0415
    from app.evaluations.ratings.cli import ratings_cli  # noqa: PLC0415
    from app.evidence.cli import evidence_cli  # noqa: PLC0415
    from app.indicators.cli import indicators_cli  # noqa: PLC0415
    from app.org.cli import demo_cli, users_cli  # noqa: PLC0415
    from app.scoring.cli import scores_cli  # noqa: PLC0415
    from app.workflow.cli import bpmn_cli, scheduler_cli  # noqa: PLC0415

    for group in (
        audit_cli,
        backup_cli,
        bpmn_cli,
        calendar_cli,
        crypto_cli,
        demo_cli,
        evidence_cli,
        indicators_cli,
        ratings_cli,
        scheduler_cli,
        scores_cli,
        simulate_cli,
        users_cli,
    ):
        app.cli.add_command(group)
