"""unread notices found by their link

Every completion marks read the unread notices about the task it completes (`link = /tasks/<id>`);
without an index that is a scan of every notification ever sent, which grows all year
(issue 16). A partial index over the unread ones stays small.

Revision ID: 3f9b7c2e1a45
Revises: e4a7c2d9b816
Create Date: 2026-12-06 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3f9b7c2e1a45'
down_revision = 'e4a7c2d9b816'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_notifications_unread_link',
        'notifications',
        ['link'],
        postgresql_where=sa.text('read_at IS NULL'),
        sqlite_where=sa.text('read_at IS NULL'),
    )


def downgrade():
    op.drop_index('ix_notifications_unread_link', table_name='notifications')
