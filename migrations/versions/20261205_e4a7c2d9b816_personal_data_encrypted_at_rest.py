"""personal data encrypted at rest: rater contacts and TOTP secrets under SM4-GCM

The two columns become TEXT (a 100-character contact takes up to about 600 characters once
encrypted) and their existing values are encrypted under the current data key of
JIXIAO_DATA_KEYS; the downgrade decrypts them. Unlike the other migrations this one imports the
application's crypto code, so that it encrypts exactly as the column type and `flask crypto
rotate` do (issue 19, S19).

Revision ID: e4a7c2d9b816
Revises: c5e1a9d3f720
Create Date: 2026-12-05 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

from app.crypto.keys import keyring_for
from app.crypto.rotation import EncryptedColumn, rewrite_batch, to_current_key, to_plaintext

# revision identifiers, used by Alembic.
revision = 'e4a7c2d9b816'
down_revision = 'c5e1a9d3f720'
branch_labels = None
depends_on = None

# The encrypted columns as this revision knows them, and their width before it.
COLUMNS = (
    (EncryptedColumn('daily_ratings', 'id', 'contact'), 100),
    (EncryptedColumn('mfa_credentials', 'user_id', 'secret'), 64),
)


def _rewrite_all(target, make_conversion):
    convert = make_conversion(keyring_for(current_app.config), target.purpose)
    after = None
    while True:
        batch = rewrite_batch(op.get_bind(), target, convert, after=after)
        after = batch.last_key
        if after is None:
            return


def upgrade():
    for target, width in COLUMNS:
        with op.batch_alter_table(target.table) as batch:
            batch.alter_column(
                target.column, existing_type=sa.String(length=width), type_=sa.Text(),
                existing_nullable=False,
            )
        _rewrite_all(target, to_current_key)


def downgrade():
    for target, width in COLUMNS:
        _rewrite_all(target, to_plaintext)
        with op.batch_alter_table(target.table) as batch:
            batch.alter_column(
                target.column, existing_type=sa.Text(), type_=sa.String(length=width),
                existing_nullable=False,
            )
