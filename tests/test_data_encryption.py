"""Personal data at rest (SECURITY.md S19): rater contacts and TOTP secrets are stored SM4-GCM
encrypted with a key id; a database dump holds no plaintext; a changed value, a value moved to
another column and an unknown key are refused clearly; `flask crypto rotate` moves every value
to the current key while the old one still reads; the migration encrypts what was there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from app import create_app
from app.audit.models import AuditEntry
from app.auth.mfa import start_enrolment
from app.auth.models import MfaCredential
from app.crypto.columns import EncryptedText
from app.crypto.keys import DataKeyConfigError, current_keyring, parse_data_keys
from app.crypto.rotation import ENCRYPTED_COLUMNS, rotate_batch
from app.crypto.stored import (
    NotEncrypted,
    TamperedValue,
    UnknownDataKey,
    key_id_of,
    seal,
    unseal,
)
from app.db import Base, utcnow
from app.evaluations.ratings.models import DailyRating
from app.evaluations.ratings.rules import RatingRules
from app.evaluations.ratings.services import Rater, RatingInput, submit_rating
from app.extensions import db
from app.org.models import Unit
from tests.factories import SYSTEM, make_unit, make_user

K1 = "k1:" + "11" * 16
K2 = "k2:" + "22" * 16
PHONE = "13812341234"
MIGRATION = "e4a7c2d9b816"


def _rate(unit: Unit, contact: str, device: str = "device-1") -> DailyRating:
    rating = submit_rating(
        db.session,
        unit=unit,
        rater=Rater(device, device),
        form=RatingInput(level="4", comment="", contact=contact),
        rules=RatingRules(),
        now=utcnow(),
    )
    db.session.commit()
    return rating


def _raw(sql: str) -> list[str]:
    db.session.commit()
    return [str(v) for v in db.session.execute(text(sql)).scalars()]


def _contacts() -> list[str]:
    db.session.expire_all()
    return list(db.session.execute(select(DailyRating.contact).order_by(DailyRating.id)).scalars())


def test_a_value_round_trips_and_names_its_key() -> None:
    keyring = parse_data_keys(f"{K2},{K1}")
    stored = seal("张三 13812341234", keyring, "daily_ratings.contact")
    assert stored.startswith("sm4gcm:k2:") and key_id_of(stored) == "k2"
    assert "1381234" not in stored
    assert seal("张三 13812341234", keyring, "daily_ratings.contact") != stored  # fresh nonce
    assert unseal(stored, keyring, "daily_ratings.contact") == "张三 13812341234"
    # the old key still reads what it wrote
    older = seal(PHONE, parse_data_keys(K1), "daily_ratings.contact")
    assert unseal(older, keyring, "daily_ratings.contact") == PHONE


def test_a_changed_or_moved_value_and_an_unknown_key_are_refused_clearly() -> None:
    keyring = parse_data_keys(K1)
    stored = seal(PHONE, keyring, "daily_ratings.contact")
    body = stored.rsplit(":", 1)[1]
    flipped = stored[: -len(body)] + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(TamperedValue, match="tag does not match"):
        unseal(flipped, keyring, "daily_ratings.contact")
    with pytest.raises(TamperedValue, match="another column"):
        unseal(stored, keyring, "mfa_credentials.secret")
    with pytest.raises(TamperedValue, match="base64"):
        unseal("sm4gcm:k1:not base64!", keyring, "daily_ratings.contact")
    with pytest.raises(UnknownDataKey, match=r"data key 'k1'.*holds: k2.*crypto rotate"):
        unseal(stored, parse_data_keys(K2), "daily_ratings.contact")
    with pytest.raises(NotEncrypted):
        unseal(PHONE, keyring, "daily_ratings.contact")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("k1", "32 hexadecimal digits"),
        ("k1:abcd", "32 hexadecimal digits"),
        ("k 1:" + "11" * 16, "key id"),
        (f"{K1},{K1}", "twice"),
        (f"{K1},", "entry 2"),
    ],
)
def test_bad_key_settings_are_named_without_the_key(setting: str, message: str) -> None:
    with pytest.raises(DataKeyConfigError, match=message) as refused:
        parse_data_keys(setting)
    assert "11" * 16 not in str(refused.value)


def test_production_refuses_to_start_without_data_keys(database_url: str) -> None:
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "x" * 32,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14",
    }
    with pytest.raises(DataKeyConfigError, match="JIXIAO_DATA_KEYS must be set in production"):
        create_app("production", {**settings, "DATA_KEYS": ""})
    started = create_app("production", {**settings, "DATA_KEYS": f"{K2},{K1}"})
    with started.app_context():
        assert current_keyring().current == "k2"
        db.engine.dispose()


def test_testing_uses_the_development_key_derived_from_the_secret_key(app: Flask) -> None:
    keyring = current_keyring()
    assert keyring.current == "dev"
    app.config["SECRET_KEY"] = "another-secret"
    assert current_keyring().keys["dev"] != keyring.keys["dev"]


def test_the_database_holds_no_plaintext_contact_or_totp_secret(app: Flask) -> None:
    unit = make_unit("FGW")
    _rate(unit, PHONE)
    _rate(unit, "", device="device-2")
    user = make_user("alice")
    secret = start_enrolment(db.session, user=user, now=utcnow()).secret
    db.session.commit()

    contacts = _raw("SELECT contact FROM daily_ratings ORDER BY id")
    assert contacts[0].startswith("sm4gcm:dev:") and contacts[1] == ""
    [stored_secret] = _raw("SELECT secret FROM mfa_credentials")
    assert stored_secret.startswith("sm4gcm:dev:")
    dump = " ".join(
        str(row)
        for table in ("daily_ratings", "mfa_credentials", "audit_entries")
        for row in db.session.execute(text(f"SELECT * FROM {table}")).all()
    )
    assert PHONE not in dump and "1381234" not in dump
    assert secret not in dump and secret[:12] not in dump

    assert _contacts() == [PHONE, ""]
    db.session.expire_all()
    credential = db.session.get(MfaCredential, user.id)
    assert credential is not None and credential.secret == secret


def test_sql_cannot_compare_an_encrypted_column() -> None:
    with pytest.raises(TypeError, match="keyed hash"):
        select(DailyRating).where(DailyRating.contact == PHONE)
    assert select(DailyRating).where(DailyRating.contact.is_not(None)) is not None


def test_every_encrypted_column_is_listed_for_rotation(app: Flask) -> None:
    found = {
        (table.name, table.primary_key.columns.keys()[0], column.name, column.type.purpose)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    }
    listed = {(c.table, c.key, c.column, c.purpose) for c in ENCRYPTED_COLUMNS}
    assert found == listed
    assert {purpose for *_rest, purpose in found} == {
        "daily_ratings.contact",
        "mfa_credentials.secret",
    }


@pytest.fixture
def keyed_app(app: Flask) -> Iterator[Flask]:
    app.config["DATA_KEYS"] = K1
    yield app


def test_rotation_moves_every_value_to_the_new_key_batch_by_batch(
    keyed_app: Flask, runner: FlaskCliRunner
) -> None:
    unit = make_unit("FGW")
    phones = [f"1390000000{n}" for n in range(3)]
    for n, phone in enumerate(phones):
        _rate(unit, phone, device=f"device-{n}")
    user = make_user("alice")
    secret = start_enrolment(db.session, user=user, now=utcnow()).secret
    db.session.commit()
    assert {key_id_of(v) for v in _raw("SELECT contact FROM daily_ratings")} == {"k1"}

    keyed_app.config["DATA_KEYS"] = f"{K2},{K1}"
    assert _contacts() == phones  # the old key still reads
    [contacts, _secrets] = ENCRYPTED_COLUMNS
    first = rotate_batch(
        db.session, contacts, current_keyring(), actor=SYSTEM, now=utcnow(), batch_size=2
    )
    db.session.commit()
    assert dict(first.changed) == {"k1": 2} and first.last_key == 2
    assert [key_id_of(v) for v in _raw("SELECT contact FROM daily_ratings ORDER BY id")] == [
        "k2",
        "k2",
        "k1",
    ]
    assert _contacts() == phones  # half-way, every value reads

    result = runner.invoke(args=["crypto", "rotate", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert (
        "daily_ratings.contact: 3 values checked, 1 re-encrypted (1 from key k1)" in result.output
    )
    assert (
        "mfa_credentials.secret: 1 values checked, 1 re-encrypted (1 from key k1)" in result.output
    )
    stored = _raw("SELECT contact FROM daily_ratings") + _raw("SELECT secret FROM mfa_credentials")
    assert {key_id_of(v) for v in stored} == {"k2"}

    again = runner.invoke(args=["crypto", "rotate"])
    assert again.exit_code == 0, again.output
    assert "3 values checked, 0 re-encrypted" in again.output
    audited = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "crypto.rotate").order_by(AuditEntry.seq)
    ).scalars()
    assert [(e.object_id, e.after["re_encrypted"], e.after["key_id"]) for e in audited] == [
        ("daily_ratings.contact", {"k1": 2}, "k2"),
        ("daily_ratings.contact", {"k1": 1}, "k2"),
        ("mfa_credentials.secret", {"k1": 1}, "k2"),
    ]

    keyed_app.config["DATA_KEYS"] = K2  # the old key can go now
    assert _contacts() == phones
    credential = db.session.get(MfaCredential, user.id)
    assert credential is not None and credential.secret == secret


def test_rotation_encrypts_a_value_written_around_the_column_type(
    keyed_app: Flask, runner: FlaskCliRunner
) -> None:
    unit = make_unit("FGW")
    _rate(unit, "13700000000")
    db.session.execute(text("UPDATE daily_ratings SET contact = :c"), {"c": PHONE})
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(NotEncrypted, match="crypto rotate"):
        db.session.execute(select(DailyRating.contact)).scalar_one()
    db.session.rollback()

    result = runner.invoke(args=["crypto", "rotate"])
    assert "1 re-encrypted (1 from plaintext)" in result.output
    assert _contacts() == [PHONE]


def test_an_unknown_key_stops_rotation_with_its_name(
    keyed_app: Flask, runner: FlaskCliRunner
) -> None:
    _rate(make_unit("FGW"), PHONE)
    keyed_app.config["DATA_KEYS"] = K2
    result = runner.invoke(args=["crypto", "rotate"])
    assert result.exit_code == 1
    assert "data key 'k1', which JIXIAO_DATA_KEYS does not hold" in result.output


def test_the_migration_encrypts_existing_rows_and_its_downgrade_decrypts_them(app: Flask) -> None:
    unit = make_unit("FGW")
    _rate(unit, PHONE)
    secret = start_enrolment(db.session, user=make_user("alice"), now=utcnow()).secret
    db.session.commit()
    db.session.remove()
    before = ScriptDirectory(app.extensions["migrate"].directory).get_revision(MIGRATION)
    assert before is not None

    downgrade(revision=str(before.down_revision))
    assert _raw("SELECT contact FROM daily_ratings") == [PHONE]
    assert _raw("SELECT secret FROM mfa_credentials") == [secret]
    db.session.remove()

    upgrade()
    [contact] = _raw("SELECT contact FROM daily_ratings")
    [stored_secret] = _raw("SELECT secret FROM mfa_credentials")
    assert contact.startswith("sm4gcm:dev:") and PHONE not in contact
    assert stored_secret.startswith("sm4gcm:dev:") and secret not in stored_secret
    assert _contacts() == [PHONE]
