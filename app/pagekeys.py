"""The page-keys component (app/pagekeys/): drawn on every page but Label (whose labeler does the
same), it keeps Streamlit's R (rerun) and C (clear caches) from labelers and, on the Grid page,
gives the thumbnails a cursor: arrows or H J K L move it, Space ticks, Enter rejects the ticked."""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

_component = components.declare_component("figscrape_pagekeys", path=str(Path(__file__).parent / "pagekeys"))


def page_keys(grid: list[int] | None = None, cols: int = 6) -> None:
    """The page's keys; `grid`: the Grid page's panels in reading order, `cols` to a row."""
    _component(key="pagekeys", default=None, grid={"cells": grid, "cols": cols} if grid is not None else None, height=0)
