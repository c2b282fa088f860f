"""adjudications, undo rows and hand-corrected panel boxes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 15:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adjudication', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_annotations_annotator', ['annotator'])
        batch_op.alter_column('is_ct', type_=sa.String(length=16), existing_type=sa.String(length=8))  # room for "withdrawn"
    with op.batch_alter_table('panels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('made_by', sa.String(length=128), nullable=False, server_default=''))
        batch_op.create_index('ix_panels_replaces_id', ['replaces_id'])
        batch_op.create_foreign_key('fk_panels_replaces_id', 'panels', ['replaces_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('panels', schema=None) as batch_op:
        batch_op.drop_constraint('fk_panels_replaces_id', type_='foreignkey')
        batch_op.drop_index('ix_panels_replaces_id')
        batch_op.drop_column('made_by')
        batch_op.drop_column('replaces_id')
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.alter_column('is_ct', type_=sa.String(length=8), existing_type=sa.String(length=16))
        batch_op.drop_index('ix_annotations_annotator')
        batch_op.drop_column('adjudication')
