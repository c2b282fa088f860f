"""MECA bundles read from the servers' S3 buckets

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'bundles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('server', sa.String(length=16), nullable=False),
        sa.Column('bucket', sa.String(length=255), nullable=False),
        sa.Column('key', sa.String(length=1024), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('etag', sa.String(length=128), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('doi', sa.String(length=255), nullable=False),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('bytes_read', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('bucket', 'key', name='uq_bundles_bucket_key'),
    )
    op.create_index('ix_bundles_status', 'bundles', ['status'])


def downgrade() -> None:
    op.drop_index('ix_bundles_status', table_name='bundles')
    op.drop_table('bundles')
