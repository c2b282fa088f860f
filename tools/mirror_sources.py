"""Training examples for the CT filter from files of public repositories, read where they lie in the git
mirrors (`git show <commit>:<path>`, nothing executed) as tools/mirror_sources.tsv lists them: repo,
commit, path, sha256 (checked), licence, label (ct / not_ct, given by looking at the pictures), type
(what the picture is: ct, mr, micrograph, histology, xray, rendering, screenshot...), group (the
source: held out together) and recipe:

- image: a picture (PNG, JPEG, TIFF; a stack gives its middle plane, a few channels a composite);
- volume: a NIfTI volume, cut into slices on three axes, one colour-mapped slice per axis and a few
  small patches (papers show both); a CT volume in Hounsfield units is windowed (lung, soft tissue),
  and its projections (front and side, like radiographs) are examples too, not CT;
- dicom: one DICOM file (CT windowed; the first frames of a multi-frame file).

Colour maps and patches are made of MR as of CT, so neither says CT by itself."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import subprocess
import warnings
from pathlib import Path

import cv2
import numpy as np

from figscrape.classify.features import to_view8
from figscrape.classify.train import Example

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "mirror_sources.tsv"
MIRROR = Path("/work/.mirror")
WINDOWS = ((1500, -600), (400, 40))  # lung and soft tissue: width, level in HU
COLOUR_MAPS = (cv2.COLORMAP_JET, cv2.COLORMAP_HOT, cv2.COLORMAP_BONE, cv2.COLORMAP_VIRIDIS, cv2.COLORMAP_INFERNO, cv2.COLORMAP_PARULA)


def git_dir(mirror: Path, repo: str) -> Path:
    """The mirror's git directory, as benchmarks/devsets/compound/build_compound.py finds it."""
    base = mirror / repo.replace("/", "+")
    for cand in (base / "repo" / ".git", base / "repo", base):
        if (cand / "HEAD").is_file():
            return cand
    raise FileNotFoundError(f"no mirror of {repo} under {mirror}")


def blob(mirror: Path, repo: str, commit: str, path: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(git_dir(mirror, repo)), "show", f"{commit}:{path}"], capture_output=True, check=True).stdout


def stretch(a: np.ndarray, lo: float = 0.5, hi: float = 99.5) -> np.ndarray:
    """8 bit, percentiles `lo`..`hi` of the finite values mapped to 0..255."""
    a = np.nan_to_num(a.astype(np.float32))
    p, q = np.percentile(a, [lo, hi])
    return (255 * np.clip((a - p) / max(1e-6, q - p), 0, 1)).astype(np.uint8)


def window(hu: np.ndarray, width: float, level: float) -> np.ndarray:
    return (255 * np.clip((hu - (level - width / 2)) / width, 0, 1)).astype(np.uint8)


def raster_images(data: bytes, path: str) -> list[np.ndarray]:
    """A picture file as 8-bit grey or BGR: a stack gives its middle plane, 2-4 channels a colour composite."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) if not path.lower().endswith((".tif", ".tiff")) else None
    if image is None:
        import tifffile

        a = np.squeeze(tifffile.imread(io.BytesIO(data)))
        if a.ndim == 3 and a.shape[-1] in (3, 4):
            image = cv2.cvtColor(a[..., :3] if a.dtype == np.uint8 else stretch(a[..., :3]), cv2.COLOR_RGB2BGR)
        elif a.ndim == 3 and a.shape[0] <= 4:
            planes = [stretch(c) for c in a[:3]]
            planes += [np.zeros_like(planes[0])] * (3 - len(planes))
            image = np.dstack(planes[::-1])  # channel 0 red, 1 green, 2 blue
        elif a.ndim >= 3:
            image = stretch(a.reshape(-1, *a.shape[-2:])[a.reshape(-1, *a.shape[-2:]).shape[0] // 2])
        else:
            image = a
    if image.dtype != np.uint8:
        image = stretch(image)
    return [to_view8(image)]


def _volume(data: bytes) -> tuple[np.ndarray, tuple[float, float, float]]:
    """A NIfTI volume in canonical (RAS) order, its first frame when 4D, and its voxel size."""
    import nibabel

    raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    img = nibabel.as_closest_canonical(nibabel.Nifti1Image.from_bytes(raw) if raw[344:348] in (b"n+1\x00", b"ni1\x00") else nibabel.Nifti2Image.from_bytes(raw))
    v = np.asanyarray(img.dataobj).astype(np.float32)
    while v.ndim > 3:
        v = v[..., 0]
    zooms = tuple(float(z) for z in img.header.get_zooms()[:3])
    return v, zooms  # type: ignore[return-value]


def _slices(v: np.ndarray, zooms: tuple[float, float, float], depths: tuple[float, ...] = (0.35, 0.5, 0.65)) -> list[np.ndarray]:
    """Slices of a canonical (RAS) volume, axial, coronal and sagittal, at true proportions (thick
    slices stretched back), turned so that up is up."""
    out = []
    for axis in (2, 1, 0):
        rows, cols = [zooms[a] for a in range(3) if a != axis]
        for f in depths:
            s = np.take(v, int(f * (v.shape[axis] - 1)), axis=axis)
            fine = min(rows, cols)
            size = (max(1, round(s.shape[1] * cols / fine)), max(1, round(s.shape[0] * rows / fine)))
            out.append(np.rot90(cv2.resize(s, size, interpolation=cv2.INTER_LINEAR) if size != s.shape[::-1] else s))
    return out


def _patches(image: np.ndarray, rng: np.random.Generator, count: int) -> list[np.ndarray]:
    """Small square crops (a quarter to a third of the side) from the busy middle of a slice."""
    h, w = image.shape[:2]
    out = []
    for _ in range(count):
        s = max(8, int(min(h, w) * rng.uniform(0.25, 0.35)))
        y, x = int(rng.integers(h // 6, max(h // 6 + 1, 5 * h // 6 - s))), int(rng.integers(w // 6, max(w // 6 + 1, 5 * w // 6 - s)))
        out.append(np.ascontiguousarray(image[y : y + s, x : x + s]))
    return out


def _projections(hu: np.ndarray, zooms: tuple[float, float, float]) -> list[np.ndarray]:
    """What papers show beside CT slices and is not a slice: the volume projected from the front and
    from the side (it looks like a radiograph)."""
    out = []
    for axis in (1, 0):
        projection = stretch(np.clip(hu, -1000, 2000).mean(axis=axis), 1, 99.9)
        rows, cols = [zooms[a] for a in range(3) if a != axis]
        size = (max(1, round(projection.shape[1] * cols / min(rows, cols))), max(1, round(projection.shape[0] * rows / min(rows, cols))))
        out.append(np.rot90(cv2.resize(projection, size)))
    return out


def volume_images(data: bytes, is_ct: bool, rng: np.random.Generator) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(pictures of the label given, projections, never CT) of a NIfTI volume."""
    v, zooms = _volume(data)
    hu = is_ct and float(np.percentile(v, 1)) < -500  # stored in Hounsfield units
    out: list[np.ndarray] = []
    for i, s in enumerate(_slices(v, zooms)):
        views = [window(s, w, l) for w, l in WINDOWS] if hu else [stretch(s)]
        out += views
        if i % 3 == 1:  # the middle slice of each axis, colour-mapped, and patches of it
            out.append(cv2.applyColorMap(views[-1], COLOUR_MAPS[int(rng.integers(0, len(COLOUR_MAPS)))]))
            out += _patches(views[-1], rng, 1)
    return out, (_projections(v, zooms) if hu else [])


def dicom_images(data: bytes, frames: int = 3) -> list[np.ndarray]:
    """One DICOM file: a CT at lung and soft-tissue windows, anything else stretched (colour kept)."""
    import pydicom

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(io.BytesIO(data))
        pixels = ds.pixel_array
    if ds.get("Modality") == "CT" and pixels.ndim == 2:
        hu = pixels * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
        return [window(hu, w, l) for w, l in WINDOWS]
    colour = ds.get("SamplesPerPixel", 1) == 3
    stack = pixels if pixels.ndim == (4 if colour else 3) else pixels[None]
    pick = np.linspace(0, len(stack) - 1, min(frames, len(stack))).astype(int)
    return [cv2.cvtColor(stack[i].astype(np.uint8), cv2.COLOR_RGB2BGR) if colour else stretch(stack[i]) for i in pick]


def mirror_examples(manifest: Path = MANIFEST, mirror: Path = MIRROR, seed: int = 0, groups: tuple[str, ...] = ()) -> list[Example]:
    """Every example the manifest lists (only those whose group starts with one of `groups`, when
    given), its file checked against its sha256; the same for a seed."""
    rng = np.random.default_rng(seed)
    out = []
    with manifest.open() as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if not r["repo"].startswith("#") and (not groups or r["group"].startswith(groups))]
    for row in rows:
        data = blob(mirror, row["repo"], row["commit"], row["path"])
        if hashlib.sha256(data).hexdigest() != row["sha256"]:
            raise ValueError(f"{row['repo']}:{row['path']}: sha256 differs from {manifest.name}")
        label, group = int(row["label"] == "ct"), f"mirror:{row['group']}"
        if row["recipe"] == "volume":
            pictures, projections = volume_images(data, bool(label), rng)
            out += [Example(r, 0, group) for r in projections]
        elif row["recipe"] == "dicom":
            pictures = dicom_images(data)
        else:
            pictures = raster_images(data, row["path"])
        out += [Example(p, label, group) for p in pictures]
    return out
