"""Labels sent once and skips kept: annotations.client_key, the skips table

The app sends each key press with its browser instance and sequence number; a press sent again
(a retry, a rerun) finds its row by (annotator, client_key) and is not stored twice. Skips are
kept per annotator instead of in the browser session.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('annotations') as batch:
        batch.add_column(sa.Column('client_key', sa.String(length=64), nullable=True))
    op.create_index('uq_annotations_client_key', 'annotations', ['annotator', 'client_key'], unique=True)
    op.create_table(
        'skips',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('panel_id', sa.Integer(), nullable=False),
        sa.Column('annotator', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['panel_id'], ['panels.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('annotator', 'panel_id', name='uq_skips_annotator_panel'),
    )


def downgrade() -> None:
    op.drop_table('skips')
    op.drop_index('uq_annotations_client_key', table_name='annotations')
    with op.batch_alter_table('annotations') as batch:
        batch.drop_column('client_key')
