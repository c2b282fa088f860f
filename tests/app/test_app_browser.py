"""The labeling app as a person uses it: `figscrape app` on a free port, Debian's chromium driven by
Playwright, keys pressed on the page, rows checked in the database. Screenshots go to the test's
output folder (pytest's tmp_path)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import CHROMIUM
from sqlalchemy import func, select

from figscrape.data.db import read_session
from figscrape.data.models import Annotation
from figscrape.synthetic.labelled import seed_panels

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM or not Path(CHROMIUM).exists():
    pytest.skip("no chromium: .ci/run installs Debian's", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(engine, store, config) -> Iterator[str]:  # noqa: ANN001
    seed_panels(engine, store, papers=8, figures=2, panels=3, size=160)
    port = free_port()
    env = dict(os.environ, FIGSCRAPE_DATA=str(config.data_home))
    proc = subprocess.Popen([sys.executable, "-m", "figscrape.cli", "app", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=1).status == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("figscrape app did not come up: " + (proc.stdout.read().decode() if proc.stdout else ""))
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def browser():  # noqa: ANN201
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


def count(engine, **where: str) -> int:  # noqa: ANN001
    with read_session(engine) as s:
        query = select(func.count(Annotation.id))
        for key, value in where.items():
            query = query.where(getattr(Annotation, key) == value)
        return int(s.scalar(query) or 0)


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def labeler(page):  # noqa: ANN001, ANN201
    """The labeler component's frame, once it shows a panel."""
    page.locator("iframe[title*=labeler], iframe[src*=labeler]").first.wait_for(timeout=90_000)
    frame = page.locator("iframe[src*=labeler]").first.element_handle().content_frame()
    frame.wait_for_function("window.__figscrape && window.__figscrape.state.shown !== null", timeout=90_000)
    return frame


def sign_in(page, url: str, name: str):  # noqa: ANN001, ANN201
    page.goto(url)
    page.get_by_label("Your name").fill(name, timeout=90_000)
    page.keyboard.press("Enter")
    frame = labeler(page)
    unfocus(page)
    return frame


def unfocus(page) -> None:  # noqa: ANN001
    """Keys go to the page, not to a text field (as after clicking on an empty spot)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")


def press_label(page, engine, key: str, annotator: str) -> None:  # noqa: ANN001
    before = count(engine, annotator=annotator)
    page.keyboard.press(key)
    wait_for(lambda: count(engine, annotator=annotator) == before + 1, f"the label of key {key}")


def test_label_ten_by_keyboard_undo_one_reject_three_in_the_grid(served: str, browser, engine, tmp_path: Path) -> None:  # noqa: ANN001
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, served, "ann")
    page.screenshot(path=str(shots / "01-first-panel.png"))
    for k, key in enumerate("1231N1U2N1"):
        press_label(page, engine, key, "ann")
        page.wait_for_timeout(250)  # a person's pace: presses closer than the debounce window count once
    page.screenshot(path=str(shots / "02-after-ten.png"))
    assert count(engine, annotator="ann") == 10
    page.keyboard.press("z")
    wait_for(lambda: count(engine, is_ct="withdrawn") == 1, "the undo")
    page.screenshot(path=str(shots / "03-after-undo.png"))
    page.keyboard.press("g")
    boxes = page.get_by_role("checkbox")
    boxes.nth(23).wait_for(timeout=20_000)  # 24+ thumbnails
    assert boxes.count() >= 24
    for k in range(3):
        page.locator("label").filter(has_text="not CT").nth(k).click()
        page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "04-grid-ticked.png"))
    unfocus(page)
    page.keyboard.press("x")
    wait_for(lambda: count(engine, is_ct="no") == 2 + 3, "the grid rejection")  # two N presses, three ticked
    page.screenshot(path=str(shots / "05-grid-after-reject.png"))
    with read_session(engine) as s:
        labels = s.execute(select(Annotation.is_ct, Annotation.diagnosis).where(Annotation.annotator == "ann").order_by(Annotation.id)).all()
    assert [tuple(r) for r in labels[:10]] == [("yes", "covid"), ("yes", "other"), ("yes", "normal"), ("yes", "covid"), ("no", ""),
                                               ("yes", "covid"), ("unsure", ""), ("yes", "other"), ("no", ""), ("yes", "covid")]
    assert labels[10] == ("withdrawn", "")
    assert len({p.name for p in shots.iterdir()}) == 5


def test_two_people_labelling_at_once_lose_nothing(served: str, browser, engine, tmp_path: Path) -> None:  # noqa: ANN001
    pages, frames = [], []
    for name in ("ann", "bob"):
        page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
        frames.append(sign_in(page, served, name))
        pages.append((name, page))
    for k in range(8):
        for name, page in pages:  # interleaved: one session writes while the other is mid-rerun
            page.keyboard.press("1")
        for name, page in pages:
            wait_for(lambda n=name: count(engine, annotator=n) == k + 1, f"{name}'s label {k + 1}")
        pages[0][1].wait_for_timeout(250)
    for k, (_, page) in enumerate(pages):
        page.screenshot(path=str(tmp_path / f"session-{k}.png"))
    with read_session(engine) as s:
        per_person = dict(s.execute(select(Annotation.annotator, func.count(func.distinct(Annotation.panel_id))).group_by(Annotation.annotator)).all())
    assert per_person == {"ann": 8, "bob": 8}  # each label on its own panel: none lost, none doubled
    assert [f.evaluate("window.__figscrape.state.direct") for f in frames] == [8, 8]  # by the save endpoint, not by reruns
    forged = frames[0].evaluate("""fetch('/figscrape/presses', {method: 'POST', body: JSON.stringify(
        {user: 'bob', token: window.__figscrape.state.token, instance: 'x', presses: [{seq: 1, panel: 1, kind: 'skip'}]})}).then(r => r.status)""")
    assert forged == 403  # ann's page cannot save as bob


def test_bounces_back_undo_and_the_fields_by_keyboard(served: str, browser, engine) -> None:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    frame = sign_in(page, served, "ann")
    first = frame.evaluate("window.__figscrape.state.shown")
    page.keyboard.press("1")
    page.wait_for_timeout(20)
    page.keyboard.press("1")  # a bounce: ignored, and said so
    wait_for(lambda: count(engine, annotator="ann") == 1, "the first label")
    page.wait_for_timeout(800)
    assert count(engine, annotator="ann") == 1 and frame.evaluate("window.__figscrape.ignored") == 1
    assert "ignored a repeated press" in frame.inner_text("#status")
    page.keyboard.press("b")  # back: the panel with the label given
    assert frame.evaluate("window.__figscrape.state.shown") == first
    assert "Your label: COVID-19" in frame.inner_text("#given")
    assert frame.locator("#labels button.chosen").inner_text().endswith("COVID-19")
    page.keyboard.press("3")  # changed
    wait_for(lambda: count(engine, annotator="ann", diagnosis="normal") == 1, "the changed label")
    page.wait_for_timeout(300)
    second = frame.evaluate("window.__figscrape.state.shown")
    assert second != first
    page.keyboard.press("Tab")  # to the patient field, Tab on to age, Esc back to the keys
    page.keyboard.type("case 9")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("50")
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    wait_for(lambda: count(engine, annotator="ann", is_ct="no") == 1, "the label with its fields")
    with read_session(engine) as s:
        row = s.execute(select(Annotation.panel_id, Annotation.patient_key, Annotation.age).order_by(Annotation.id.desc())).first()
    assert tuple(row) == (second, "case 9", 50)
    page.wait_for_timeout(300)
    page.keyboard.press("z")  # undo: the panel again, with what was said
    wait_for(lambda: count(engine, is_ct="withdrawn") == 1, "the undo")
    assert frame.evaluate("window.__figscrape.state.shown") == second
    assert "Undone: you had said Not CT" in frame.inner_text("#given")



def grid_cells(page) -> list[int]:  # noqa: ANN001
    """The Grid page's panels in the order of its cells on screen."""
    return page.evaluate("[...document.querySelectorAll('[class*=st-key-cell-]')]"
                         ".map(e => Number([...e.classList].find(c => c.startsWith('st-key-cell-')).slice(12)))")


def test_the_grid_and_the_review_by_keys_alone(served: str, browser, engine, tmp_path: Path) -> None:  # noqa: ANN001
    from labelling import label

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, served, "ann")
    page.keyboard.press("g")
    page.locator("[class*=st-key-cell-]").nth(23).wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # the page-keys component is mounted
    cells = grid_cells(page)
    for key in ("ArrowRight", "l", " "):  # right twice: the third cell, ticked
        page.keyboard.press(key)
    wait_for(lambda: page.locator(f".st-key-rej-{cells[2]} input").is_checked(), "the tick by Space")
    page.keyboard.press("j")  # down a row: the ninth
    page.keyboard.press(" ")
    wait_for(lambda: page.locator(f".st-key-rej-{cells[8]} input").is_checked(), "the second tick")
    page.screenshot(path=str(tmp_path / "grid-keys.png"))
    page.keyboard.press("Enter")
    wait_for(lambda: count(engine, is_ct="no") == 2, "the rejection by Enter")
    with read_session(engine) as s:
        assert set(s.scalars(select(Annotation.panel_id).where(Annotation.is_ct == "no"))) == {cells[2], cells[8]}
    page.keyboard.press("Escape")  # back to the Label page
    labeler(page)
    label(engine, cells[0], "bob", "yes", "covid", note="GGO")  # a disagreement for the reviewer
    label(engine, cells[0], "cy", "no")
    label(engine, cells[1], "bob", "yes", "covid")
    label(engine, cells[1], "cy", "yes", "normal")
    unfocus(page)
    page.keyboard.press("v")
    page.locator("[class*=st-key-dis-]").nth(1).wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    page.keyboard.press("j")  # the second disagreement is marked
    page.wait_for_function("document.body.innerText.includes('▶')", timeout=30_000)
    page.wait_for_timeout(1000)
    page.keyboard.press("3")
    wait_for(lambda: count(engine, annotator="ann", adjudication=True) == 1, "the decision by key")
    with read_session(engine) as s:
        row = s.execute(select(Annotation.panel_id, Annotation.diagnosis).where(Annotation.adjudication.is_(True))).one()
    assert tuple(row) == (max(cells[0], cells[1]), "normal")  # the list goes by panel id: J marks the second


def test_streamlit_r_and_c_do_nothing_for_labelers(served: str, browser, engine) -> None:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    sign_in(page, served, "ann")
    for key in ("o", "m"):  # Progress, My labels: pages without the labeler
        page.keyboard.press(key)
        page.wait_for_timeout(3000)
        unfocus(page)
        before = len(sent)
        page.keyboard.press("r")
        page.keyboard.press("c")
        page.wait_for_timeout(1500)
        assert len(sent) == before, f"R or C reached Streamlit on {key}"
        assert not page.get_by_text("clear the app's function caches").count()
    page.keyboard.press("i")  # a page key still reaches Streamlit: the counting works
    page.wait_for_function("document.body.innerText.includes('How to label')", timeout=30_000)
    assert len(sent) > before
