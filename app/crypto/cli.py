"""`flask crypto rotate`: every encrypted column re-encrypted under the current data key."""

from __future__ import annotations

from collections import Counter

import click
from flask import current_app

from app.auth.actor import Actor
from app.crypto.keys import keyring_for
from app.crypto.rotation import DEFAULT_BATCH, ENCRYPTED_COLUMNS, PLAINTEXT, rotate_batch
from app.crypto.stored import EncryptedValueError
from app.db import utcnow
from app.extensions import db, db_session

crypto_cli = click.Group("crypto", help="Personal data encrypted at rest (SM4).")


@crypto_cli.command("rotate")
@click.option("--batch-size", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(1))
def crypto_rotate(batch_size: int) -> None:
    """Re-encrypt every value under an older key (or left in plaintext) with the first key of
    JIXIAO_DATA_KEYS, a batch per transaction, each audited. Running it again changes nothing."""
    keyring = keyring_for(current_app.config)
    actor = Actor.system("crypto rotate")
    session = db_session()
    click.echo(f"Current data key: {keyring.current}")
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


def _summary(purpose: str, rows: int, changed: Counter[str], skipped: int) -> str:
    moved = ", ".join(
        f"{count} from {'plaintext' if key == PLAINTEXT else 'key ' + key}"
        for key, count in sorted(changed.items())
    )
    line = f"{purpose}: {rows} values checked, {sum(changed.values())} re-encrypted"
    line += f" ({moved})" if moved else ""
    return line + (f", {skipped} changed meanwhile and left" if skipped else "")
