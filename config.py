"""Configuration, read from the environment (see README.md, "Configuration")."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'jixiao.sqlite'}"


def development_secret_key() -> str:
    """A random key kept in instance/ so sessions survive a restart of `make run`."""
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    """Defaults shared by every environment."""

    ENV_NAME = "base"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, object]] = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    UPLOAD_DIR = os.environ.get("JIXIAO_UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")
    FORMS_DIR = str(BASE_DIR / "forms")
    BPMN_DIR = str(BASE_DIR / "bpmn")
    MAX_TASK_DATA_BYTES = 256 * 1024
    SCHEDULER_ENABLED = os.environ.get("JIXIAO_SCHEDULER", "off").lower() in {"on", "1", "true"}
    SCHEDULER_TICK_SECONDS = int(os.environ.get("JIXIAO_SCHEDULER_TICK", "10"))
    DEMO_PASSWORD = os.environ.get("JIXIAO_DEMO_PASSWORD", "demo-pass-2026")
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    TRUSTED_PROXIES = int(os.environ.get("JIXIAO_TRUSTED_PROXIES", "0"))

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")

    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    SESSION_COOKIE_NAME = "__Host-jixiao"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    HSTS_SECONDS = 31536000

    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_DURATION = timedelta(minutes=15)
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_MAX_AGE = timedelta(days=90)
    # argon2id parameters (RFC 9106 second recommended option, lowered memory for 2-core hosts).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 64 * 1024
    API_TOKEN_LIFETIME = timedelta(hours=12)
    # argon2id, or pbkdf2-sm3 where commercial cryptography (SM3) is required.
    PASSWORD_HASH = os.environ.get("JIXIAO_PASSWORD_HASH", "argon2id")
    SM3_ITERATIONS = 210_000

    # Roles that must sign in with a second factor (TOTP or a recovery code). Demo accounts are
    # exempt, as from password ageing, so `make run` stays usable.
    MFA_REQUIRED_ROLES: ClassVar[frozenset[str]] = frozenset(
        os.environ.get(
            "JIXIAO_MFA_ROLES",
            "office_staff,office_director,provincial_leader,sysadmin,secadmin,auditor",
        ).split(",")
    ) - {""}
    MFA_MAX_FAILURES = 5
    MFA_ISSUER = "Jixiao"

    # The key that signs the audit chain's daily head and archives; it lives outside the database.
    AUDIT_KEY = os.environ.get("JIXIAO_AUDIT_KEY", "")
    AUDIT_KEY_FILE = os.environ.get("JIXIAO_AUDIT_KEY_FILE", "")
    AUDIT_RETENTION = timedelta(days=180)

    # The keys that encrypt personal data at rest (SM4-GCM): `id:32 hex digits`, comma-separated,
    # the first encrypts (app/crypto/keys.py). Empty: development and testing derive a fixed key
    # from SECRET_KEY; production refuses to start.
    DATA_KEYS = os.environ.get("JIXIAO_DATA_KEYS", "")

    SMTP_HOST = os.environ.get("JIXIAO_SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("JIXIAO_SMTP_PORT", "25"))
    SMTP_USER = os.environ.get("JIXIAO_SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("JIXIAO_SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("JIXIAO_SMTP_STARTTLS", "off").lower() in {"on", "1", "true"}
    MAIL_FROM = os.environ.get("JIXIAO_MAIL_FROM", "jixiao@localhost")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "30 per minute"

    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the server-side session


# Settings of the public rating page, taken from the environment only when set (their
# defaults live with the rating code, app/evaluations/ratings/rules.py and public_routes.py).
RATING_SETTINGS = (
    "RATING_BASE_URL",
    "RATING_LIMIT_PER_CLIENT",
    "RATING_LIMIT_PER_UNIT",
    "RATING_LIMIT_PER_DEVICE",
    "RATING_BURST_THRESHOLD",
    "RATING_BURST_WINDOW_MINUTES",
    "RATING_COMMENT_MAX_LENGTH",
    "RECTIFICATION_WORKDAYS",
)
for _name in RATING_SETTINGS:
    if os.environ.get(_name):
        setattr(Config, _name, os.environ[_name])


class DevelopmentConfig(Config):
    """`make run` and `flask run` on a workstation: plain HTTP on 127.0.0.1."""

    ENV_NAME = "development"
    # Browsers refuse `__Host-` and Secure cookies over plain HTTP on some hosts.
    SESSION_COOKIE_NAME = "jixiao_session"
    SESSION_COOKIE_SECURE = False
    AUDIT_KEY_FILE = os.environ.get("JIXIAO_AUDIT_KEY_FILE") or str(INSTANCE_DIR / "audit_key")


class ProductionConfig(Config):
    """Behind HTTPS; SECRET_KEY must come from the environment."""

    ENV_NAME = "production"


class TestingConfig(DevelopmentConfig):
    """pytest: fast password hashing, no rate limits unless a test turns them on."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"  # noqa: S105
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8 * 1024
    SM3_ITERATIONS = 1_000
    RATELIMIT_ENABLED = False
    SCHEDULER_ENABLED = False
    # Tests sign office staff in with a password alone; tests/test_mfa.py turns MFA on.
    MFA_REQUIRED_ROLES: ClassVar[frozenset[str]] = frozenset()
    AUDIT_KEY = "testing-audit-key-not-for-production"
    AUDIT_KEY_FILE = ""


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    """The configuration class named by `name` or by JIXIAO_ENV (default development)."""
    env_name = name or os.environ.get("JIXIAO_ENV", "development")
    try:
        return CONFIGS[env_name]
    except KeyError:
        raise RuntimeError(
            f"JIXIAO_ENV must be one of {sorted(CONFIGS)}, not {env_name!r}"
        ) from None
