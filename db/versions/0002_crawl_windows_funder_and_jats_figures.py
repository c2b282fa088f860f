"""crawl windows, funder and JATS figures

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:51:27.642528
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crawl_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server', sa.String(length=16), nullable=False),
    sa.Column('start', sa.String(length=10), nullable=False),
    sa.Column('end', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=255), nullable=False),
    sa.Column('next_cursor', sa.Integer(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('records_seen', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('server', 'start', 'end', 'category', name='uq_crawl_windows')
    )
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('funder', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('jats_figures', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.drop_column('jats_figures')
        batch_op.drop_column('funder')

    op.drop_table('crawl_windows')
