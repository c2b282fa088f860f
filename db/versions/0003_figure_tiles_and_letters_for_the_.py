"""figure tiles and letters for the splitter

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 14:14:59.390038
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('figures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tiles', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('letters', sa.JSON(), nullable=False, server_default='[]'))



def downgrade() -> None:
    with op.batch_alter_table('figures', schema=None) as batch_op:
        batch_op.drop_column('letters')
        batch_op.drop_column('tiles')

