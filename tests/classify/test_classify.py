"""The CT filter: its inputs, training (deterministic, held out by group), the shipped model, the stage."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from figscrape.classify.active import SHIPPED, active_version
from figscrape.classify.features import CHANNELS, SIDE, STATS, caption_evidence, image_statistics, image_view, small_panel, texture_histogram
from figscrape.classify.model import filter_from_folder, load_filter, save_filter
from figscrape.classify.retrain import is_not_worse
from figscrape.classify.train import (
    Example,
    fit_filter,
    group_folds,
    recall_threshold,
    roc_auc,
)
from figscrape.cli import app
from figscrape.synthetic import images as pics


def toy_examples(n: int = 24) -> list[Example]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        group = f"source{i % 4}"
        out.append(Example(pics.ct_slice(rng, 160), 1, group))
        other = pics.radiograph(rng, 150, 170) if i % 2 else cv2.cvtColor(pics.raster_chart(rng, 200, 140), cv2.COLOR_BGR2GRAY)
        out.append(Example(other, 0, group))
    return out


def test_the_view_is_letterboxed_grey_and_chroma_of_fixed_size() -> None:
    view = image_view(np.full((100, 300, 3), 255, np.uint8))
    assert view.shape == (CHANNELS, SIDE, SIDE) and view.dtype == np.float32
    assert view[0, 0, 0] == 0 and view[0, SIDE // 2, SIDE // 2] == 1.0  # black bars above and below, the picture in the middle
    assert view[1].max() == 0  # white has no colour
    red = image_view(np.dstack([np.zeros((60, 60), np.uint8), np.zeros((60, 60), np.uint8), np.full((60, 60), 255, np.uint8)]))
    assert red[1, SIDE // 2, SIDE // 2] == 1.0 and red[0, SIDE // 2, SIDE // 2] < 0.5  # pure red: full chroma, darkish grey
    assert image_view(np.zeros((50, 40), np.uint16)).shape == (CHANNELS, SIDE, SIDE)
    assert image_view(np.zeros((50, 40, 4), np.uint8), channels=1).shape == (1, SIDE, SIDE)  # what a model of one channel sees


def test_image_statistics_tell_a_slice_from_a_chart_and_survive_odd_panels() -> None:
    """The statistics beside the view: a chart is flat white with axis-aligned edges and colour; a CT
    slice is a big solid blob on dark air. Tiny, flat, 16-bit and alpha panels give finite numbers."""
    rng = np.random.default_rng(0)
    names = ["white", "black", "edges", "axis_edges", "coloured"]
    where = {"white": 21, "black": 22, "edges": 29, "axis_edges": 30, "coloured": 19}
    ct, chart = (dict(zip(names, image_statistics(small_panel(im))[[where[n] for n in names]])) for im in (pics.ct_slice(rng, 256), pics.raster_chart(rng, 300, 200)))
    assert chart["white"] > 0.5 > ct["white"] and ct["black"] > chart["black"]
    assert chart["axis_edges"] > ct["axis_edges"] and chart["coloured"] > ct["coloured"] == 0
    for odd in (np.zeros((2, 300), np.uint8), np.full((40, 40, 3), 255, np.uint8), np.zeros((50, 40), np.uint16), np.zeros((30, 30, 4), np.uint8)):
        stats = image_statistics(small_panel(odd))
        assert stats.shape == (STATS,) and np.isfinite(stats).all()
    assert max(small_panel(np.zeros((3000, 1000), np.uint8)).shape) == 2 * SIDE


def test_texture_histogram_tells_grain_from_smooth_shading_whatever_the_turn() -> None:
    """Local binary patterns: a smooth ramp is all edge patterns, speckle has spots and patterns that are
    not uniform; a
    quarter turn changes nothing (8 points at radius 1 map onto each other), and the histogram sums to 1."""
    rng = np.random.default_rng(0)
    ramp = np.tile(np.linspace(20, 230, 96), (96, 1)).astype(np.uint8)
    speckle = np.clip(rng.normal(128, 40, (96, 96)), 0, 255).astype(np.uint8)
    smooth, grainy = texture_histogram(ramp, 8, 1), texture_histogram(speckle, 8, 1)
    assert smooth.shape == (10,) and abs(smooth.sum() - 1) < 1e-6 and abs(grainy.sum() - 1) < 1e-6
    assert smooth[9] < 0.05 < 0.2 < grainy[9]  # the last bin: patterns that are not uniform
    assert smooth[0] + smooth[8] < 0.05 < 0.25 < grainy[0] + grainy[8]  # spots: darker or brighter than every neighbour
    assert np.allclose(texture_histogram(np.ascontiguousarray(np.rot90(speckle)), 8, 1), grainy, atol=0.01)
    assert texture_histogram(np.zeros((20, 20), np.uint8), 16, 4).sum() == 0  # all flat black: nothing counted


@pytest.mark.parametrize(("text", "evidence"), [("Axial chest CT showing ground-glass opacities", 1), ("Chest X-ray of patient 2", -1), ("ROC curves of the models", -1), ("Patients by age", 0), ("", 0)])
def test_caption_evidence(text: str, evidence: int) -> None:
    assert caption_evidence(text) == evidence


def test_folds_keep_groups_whole_and_metrics_are_right() -> None:
    groups = ["a"] * 5 + ["b"] * 3 + ["c"] * 3 + ["d"]
    folds = group_folds(groups, 3)
    assert sorted(i for fold in folds for i in fold) == list(range(len(groups)))  # every example in exactly one fold
    for fold in folds:
        members = {groups[i] for i in fold}
        assert set(fold) == {i for i, g in enumerate(groups) if g in members}  # a group is never cut across folds
        assert all(set(groups[i] for i in fold).isdisjoint(groups[j] for j in other) for other in folds if other is not fold for i in fold)
    assert roc_auc(np.array([0.9, 0.8, 0.1, 0.2]), np.array([1, 1, 0, 0])) == 1.0
    assert recall_threshold(np.array([0.9, 0.5, 0.3, 0.1]), np.array([1, 1, 1, 0]), target=1.0) == 0.3


def test_training_is_deterministic_and_learns_the_toy_task(tmp_path: Path) -> None:
    examples = toy_examples()
    first, held = fit_filter(examples, "toy", seed=1, k=2, epochs=4)
    second, _ = fit_filter(examples, "toy", seed=1, k=2, epochs=4)
    images = [e.image for e in examples[:6]]
    assert np.allclose(first.image_logits(images), second.image_logits(images))
    assert set(first.card.metrics) >= {"roc_auc", "at_threshold", "threshold_chosen_on_other_folds", "recall_targets"}
    targets = first.card.metrics["recall_targets"]
    thresholds = [targets[k]["threshold"] for k in ("0.9", "0.95", "0.985")]
    assert thresholds == sorted(thresholds, reverse=True) and targets["0.985"]["threshold"] == first.card.threshold  # more recall, lower threshold
    save_filter(first, tmp_path)
    card = json.loads((tmp_path / "toy.json").read_text())
    assert card["trained_on"]["examples"] == len(examples) and card["threshold"] == first.card.threshold
    again = filter_from_folder(tmp_path, "toy")
    assert again.card == first.card and np.allclose(again.image_logits(images), first.image_logits(images))


def test_the_shipped_model_loads_offline_and_prefers_ct() -> None:
    flt = load_filter()
    assert flt.version == SHIPPED and 0 < flt.card.threshold < 1
    rng = np.random.default_rng(5)
    ct = [pics.ct_slice(rng, 256) for _ in range(4)]
    charts = [pics.raster_chart(rng) for _ in range(4)]
    scores = flt.scores(ct + charts)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert scores[:4].mean() > scores[4:].mean()
    captions = ["Axial CT slices"] * 4 + ["Bar chart of cases"] * 4
    assert (flt.scores(ct + charts, captions)[:4] >= scores[:4]).all()


def _labelled_folder(folder: Path, examples: list[Example], swapped: set[str]) -> Path:
    """The examples as a ct/ and not_ct/ folder, with the labels of the `swapped` sources inverted."""
    for sub in ("ct", "not_ct"):
        (folder / sub).mkdir(parents=True)
    for i, e in enumerate(examples):
        cv2.imwrite(str(folder / ("ct" if e.label != (e.group in swapped) else "not_ct") / f"{e.group}__{i}.png"), e.image)
    return folder


def test_train_filter_activates_a_model_better_than_the_active_one(tmp_path: Path, config) -> None:  # noqa: ANN001
    """Labels that call the charts and radiographs CT (the shipped filter scores them low) make the
    shipped filter worse than anything trained on them: the new model becomes active."""
    folder = _labelled_folder(tmp_path / "labelled", toy_examples(20), swapped={"source0", "source1", "source2", "source3"})
    result = CliRunner().invoke(app, ["train-filter", "--images", str(folder), "--no-labels", "--epochs", "3", "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "held-out AUC" in result.output and "now active" in result.output
    version = active_version(config.data_home)
    assert version != SHIPPED and version.startswith("ct-filter-")
    assert load_filter(config.data_home).version == version and (config.data_home / "models" / f"{version}.pt").exists()
    card = json.loads((config.data_home / "models" / f"{version}.json").read_text())
    assert card["metrics"]["held_out"].startswith("by group") and card["metrics"]["active_model_auc_on_same_data"] < 0.5


def test_a_new_model_replaces_the_active_one_only_when_not_worse() -> None:
    assert is_not_worse(0.95, 0.95) and is_not_worse(0.946, 0.95) and is_not_worse(0.99, 0.95)
    assert not is_not_worse(0.944, 0.95) and not is_not_worse(0.5, 0.99)
    assert is_not_worse(0.5, float("nan"))  # the active model could not be measured on these examples


def test_train_filter_refuses_without_enough_labels(config) -> None:  # noqa: ANN001
    result = CliRunner().invoke(app, ["train-filter"])
    assert result.exit_code == 2 and "need at least 20 examples" in result.output


def test_labels_people_made_become_training_examples_grouped_by_paper(engine, store) -> None:  # noqa: ANN001
    from figscrape.classify.retrain import annotation_examples
    from figscrape.data.db import write_session
    from figscrape.data.models import Annotation, Figure, Panel, Paper, Pdf
    from figscrape.runtime.imaging import encode_crop

    rng = np.random.default_rng(3)
    votes = {0: [("ann", "yes"), ("bob", "yes")], 1: [("ann", "no"), ("ann", "yes"), ("bob", "yes")], 2: [("ann", "yes"), ("bob", "no")], 3: [("ann", "unsure")]}
    with write_session(engine) as s:
        paper = Paper(server="local", doi="local/labels", version=1)
        paper.pdf = Pdf(status="stored", sha256="0" * 64, extracted_version="x")
        s.add(paper)
        s.flush()
        fig = Figure(pdf_id=paper.pdf.id, extractor_version="x", index=0, page=1, x0=0, y0=0, x1=1, y1=1, kind="raster", image_sha256="0" * 64, image_ext="png", width=1, height=1, split_version="s")
        s.add(fig)
        s.flush()
        for i, history in votes.items():
            image = pics.ct_slice(rng, 64)
            sha = store.put_bytes(encode_crop(image, (0, 0, 64, 64)))
            panel = Panel(figure_id=fig.id, splitter_version="s", index=i, x0=0, y0=0, x1=64, y1=64, image_sha256=sha)
            s.add(panel)
            s.flush()
            for annotator, is_ct in history:
                s.add(Annotation(panel_id=panel.id, annotator=annotator, is_ct=is_ct))
    examples = annotation_examples(engine, store)
    # panel 0: yes+yes; panel 1: ann's latest is yes, bob yes; panel 2: a tie; panel 3: unsure only
    assert sorted(e.label for e in examples) == [1, 1]
    assert {e.group for e in examples} == {"paper:local/labels"}


def test_ct_words_lift_only_a_picture_that_is_plausibly_ct() -> None:
    """The picture first: a caption saying CT leaves a map-like picture (image logit -6) where its
    pixels put it, lifts a plausible one, and words of another kind lower both."""
    from figscrape.classify.model import CTNet, Card, Filter

    class Fixed(Filter):
        def image_logits(self, images: list[np.ndarray], batch: int = 64) -> np.ndarray:
            return np.array([-6.0, -1.0], np.float32)

    flt = Fixed(CTNet(), Card(version="t", caption_floor=0.1, threshold=0.4))
    pictures = [np.zeros((8, 8), np.uint8)] * 2
    alone = flt.scores(pictures)
    worded = flt.scores(pictures, ["Chest CT of patient 1"] * 2)
    assert worded[0] == alone[0] < 0.01 and worded[1] > flt.card.threshold > alone[1]
    assert (flt.scores(pictures, ["Bar chart of cases"] * 2) < alone).all()


def test_true_panels_are_cut_from_the_figure_with_their_truth(tmp_path: Path) -> None:
    from figscrape.classify.truth_panels import truth_panels

    figure = np.zeros((40, 100, 3), np.uint8)
    figure[:, 50:] = 255
    cv2.imwrite(str(tmp_path / "f.png"), figure)
    panels = [{"bbox": [0, 0, 50, 40], "modality": "ct", "is_ct": True}, {"bbox": [50, 0, 100, 30], "modality": "none", "is_ct": False},
              {"bbox": [0, 0, 10, 10], "modality": "ct", "is_ct": False}]
    truth = {"figures": {"f.png": {"part": "dev", "kind": "mixed", "source": {"repo": "o/r"}, "panels": panels}, "g.png": {"part": "holdout"}}}
    (tmp_path / "truth.json").write_text(json.dumps(truth))
    cut = truth_panels(tmp_path / "truth.json", tmp_path, {"dev"})
    assert [p.image.shape for p in cut] == [(40, 50, 3), (30, 50, 3), (10, 10, 3)]
    assert cut[0].image.max() == 0 and cut[1].image.min() == 255
    assert [p.figure_type for p in cut] == ["ct", "mixed", "ct-not-slice"] and {p.source for p in cut} == {"o/r"}


def test_overlays_colour_a_ct_and_keep_its_size() -> None:
    from figscrape.classify.augment import augment, overlay

    rng = np.random.default_rng(2)
    ct = pics.ct_slice(rng, 128)
    coloured = overlay(ct, rng)
    assert coloured.shape == (128, 128, 3) and (coloured.max(axis=2).astype(int) - coloured.min(axis=2)).max() > 50
    for label in (0, 1):
        out = augment(ct, rng, label)
        assert out.dtype == np.uint8 and out.ndim in (2, 3) and min(out.shape[:2]) >= 8


def test_the_shipped_filter_on_real_figures_it_never_saw() -> None:
    """The compound dev set's holdout (74 figures from 27 repositories, session 12) is never trained on:
    ct-filter-4 (CNN plus image statistics with texture) ranks its CT panels above the rest better than
    ct-filter-3 did (AUC 0.916) and, at the same 95% CT recall, leaves about half as many non-CT panels
    above the cut (ct-filter-3: 47%). Its threshold keeps more CTs than that, so at T the non-CT share
    stays high: far from the issue's bar (AUC 0.97, recall 0.95, <= 5% of non-CT above T)."""
    from figscrape.classify.truth_panels import truth_panels

    compound = Path(__file__).resolve().parents[2] / "benchmarks" / "devsets" / "compound"
    files, truth = compound / "files", compound / "truth.json"
    if not files.exists():
        pytest.skip(f"compound dev set images not present at {files}")
    panels = truth_panels(truth, files, {"holdout"})
    if not panels:
        pytest.skip("the compound dev set has no holdout figures")
    flt = load_filter()
    scores = flt.scores([p.image for p in panels])
    labels = np.array([p.is_ct for p in panels])
    assert roc_auc(scores, labels.astype(int)) > 0.92
    assert (scores[labels] >= flt.card.threshold).mean() > 0.95
    assert (scores[~labels] >= flt.card.threshold).mean() < 0.67
    assert (scores[~labels] >= np.quantile(scores[labels], 0.05)).mean() < 0.35  # at 95% recall
