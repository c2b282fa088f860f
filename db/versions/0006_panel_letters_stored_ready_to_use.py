"""Panel letters stored ready to use: "(b)" becomes "b"

Extraction now stores the letter a text span stands for, not the span's text, so the splitter
needs no letter rules of its own. Figures extracted before keep working: their spans are
rewritten here with the rule extraction used then and uses now (figscrape.extract.letters,
copied, since a migration must not change when the code does).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:40:00
"""
import json
import re

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

LETTER = re.compile(r"^\(?([A-Za-z])\)?[.:)]?$|^\(?([A-Za-z])[.)]\s+\S")


def _letter(text: str) -> str | None:
    m = LETTER.match(text.strip())
    return (m.group(1) or m.group(2)) if m else None


def upgrade() -> None:
    figures = sa.table('figures', sa.column('id', sa.Integer), sa.column('letters', sa.JSON))
    conn = op.get_bind()
    for figure_id, letters in conn.execute(sa.select(figures.c.id, figures.c.letters)).all():
        if isinstance(letters, str):
            letters = json.loads(letters)
        if not letters:
            continue
        ready = [[_letter(text), box] for text, box in letters if _letter(text)]
        if ready != letters:
            conn.execute(figures.update().where(figures.c.id == figure_id).values(letters=ready))


def downgrade() -> None:
    pass  # a letter is a valid span text too: nothing to undo
