"""`flask crypto rotate`: every encrypted column and every evidence file re-encrypted under the
current data key."""

from __future__ import annotations

from collections import Counter

import click
from flask import current_app

from app.auth.actor import Actor
from app.crypto.keys import Keyring, keyring_for
from app.crypto.rotation import DEFAULT_BATCH, ENCRYPTED_COLUMNS, PLAINTEXT, rotate_batch
from app.crypto.stored import EncryptedValueError
from app.db import utcnow
from app.evidence.storage import DEFAULT_BATCH as FILE_BATCH
from app.evidence.storage import rotate_evidence_batch, storage_root
from app.extensions import db, db_session

crypto_cli = click.Group("crypto", help="Personal data encrypted at rest (SM4).")


@crypto_cli.command("rotate")
@click.option("--batch-size", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(1))
@click.option("--file-batch-size", default=FILE_BATCH, show_default=True, type=click.IntRange(1))
def crypto_rotate(batch_size: int, file_batch_size: int) -> None:
    """Re-encrypt every value and evidence file under an older key (or left in plaintext) with
    the first key of JIXIAO_DATA_KEYS, a batch per transaction, each audited. Running it again
    changes nothing."""
    keyring = keyring_for(current_app.config)
    click.echo(f"Current data key: {keyring.current}")
    _rotate_columns(keyring, batch_size)
    _rotate_files(keyring, file_batch_size)


def _rotate_columns(keyring: Keyring, batch_size: int) -> None:
    actor = Actor.system("crypto rotate")
    session = db_session()
    for target in ENCRYPTED_COLUMNS:
        rows, skipped, changed, after = 0, 0, Counter[str](), None
        while True:
            try:
                batch = rotate_batch(
                    session,
                    target,
                    keyring,
                    actor=actor,
                    now=utcnow(),
                    after=after,
                    batch_size=batch_size,
                )
            except EncryptedValueError as error:
                db.session.rollback()
                raise click.ClickException(str(error)) from None
            db.session.commit()
            rows, skipped, after = rows + batch.rows, skipped + batch.skipped, batch.last_key
            changed.update(batch.changed)
            if after is None:
                break
        click.echo(_summary(target.purpose, rows, changed, skipped))


def _rotate_files(keyring: Keyring, batch_size: int) -> None:
    actor = Actor.system("crypto rotate")
    session, root = db_session(), storage_root()
    files, changed, missing, after = 0, Counter[str](), 0, None
    while True:
        batch = rotate_evidence_batch(
            session, root, keyring, actor=actor, now=utcnow(), after=after, batch_size=batch_size
        )
        db.session.commit()
        if batch.error is not None:
            raise click.ClickException(batch.error)
        files, after = files + batch.files, batch.last_id
        changed.update(batch.changed)
        missing += len(batch.missing)
        for evidence_id in batch.missing:
            click.echo(f"evidence {evidence_id}: its file is missing from {root}", err=True)
        if after is None:
            break
    line = _summary("evidence files", files, changed, 0, noun="files")
    click.echo(line + (f", {missing} missing" if missing else ""))


def _summary(
    purpose: str, rows: int, changed: Counter[str], skipped: int, *, noun: str = "values"
) -> str:
    moved = ", ".join(
        f"{count} from {'plaintext' if key == PLAINTEXT else 'key ' + key}"
        for key, count in sorted(changed.items())
    )
    line = f"{purpose}: {rows} {noun} checked, {sum(changed.values())} re-encrypted"
    line += f" ({moved})" if moved else ""
    return line + (f", {skipped} changed meanwhile and left" if skipped else "")
