"""The Instructions page: the project owner's Markdown file (FIGSCRAPE_INSTRUCTIONS), rendered as
written and read on every visit, so an edit shows without restarting; the built-in text otherwise."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from figscrape.app.shared import escape

from figscrape.config import Config
from figscrape.store import Store

BUILT_IN = Path(__file__).parent / "instructions.md"


def instructions_text(config: Config) -> tuple[str, str]:
    """The Markdown to show, and a problem with the owner's file ("" when none)."""
    if config.instructions is None:
        return BUILT_IN.read_text(encoding="utf-8"), ""
    try:
        return config.instructions.read_text(encoding="utf-8"), ""
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return BUILT_IN.read_text(encoding="utf-8"), f"FIGSCRAPE_INSTRUCTIONS={config.instructions}: cannot be read ({reason}); the built-in instructions follow."


def instructions_page(engine, store: Store, config: Config, user: str) -> None:  # noqa: ANN001
    text, problem = instructions_text(config)
    if problem:
        st.warning(escape(problem))
    st.markdown(text)  # the owner's words as written: no record field is ever put into this text
