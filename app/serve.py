"""What `figscrape app` serves: the labeling script (main.py) and, beside it, the labeler's save
endpoint and picture route (save_endpoint), as one Streamlit ASGI app."""

from __future__ import annotations

from pathlib import Path

from figscrape.app.save_endpoint import PICTURES, ROUTE, mounted, picture, save_presses
from starlette.routing import Route
from streamlit.starlette import App

app = App(Path(__file__).with_name("main.py"), routes=[
    Route(ROUTE, save_presses, methods=["POST"]),
    Route(PICTURES + "/{sha256}", picture, methods=["GET"]),
])
mounted()
