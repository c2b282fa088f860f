"""Training sources of the shipped CT filter beyond a labelled folder: the dev part of the compound dev
set (true panel boxes; never its holdout part), images that Python packages ship (scikit-image,
pydicom, matplotlib, nibabel, nilearn: training-time dependencies only, imported here and nowhere in
figscrape), and hard negatives rendered with matplotlib (choropleth maps, pies, bars, lines,
scatter, heat maps, galaxy fields); files of public repositories are mirror_sources.py's, whose
contrast stretch and CT window these share. Every example is grouped by its source, so
cross-validation holds whole sources out."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import cv2
import numpy as np
from mirror_sources import stretch, window

from figscrape.classify.features import to_view8
from figscrape.classify.train import Example
from figscrape.classify.truth_panels import truth_panels

CT_WINDOWS = {"lung": (1500, -600), "mediastinum": (400, 40), "bone": (2000, 300), "brain": (80, 40)}  # width, level in HU


def compound_examples(truth: Path, files: Path) -> list[Example]:
    """The true panels of the dev part, grouped by repository."""
    return [Example(p.image, int(p.is_ct), f"compound:{p.source}") for p in truth_panels(truth, files, {"dev"})]


def _slices(volume: np.ndarray, count: int) -> list[np.ndarray]:
    """Axial, coronal and sagittal slices at a few depths of a 3D volume, contrast stretched."""
    out = []
    for axis in range(3):
        for f in np.linspace(0.3, 0.7, count):
            out.append(stretch(np.rot90(np.take(volume, int(f * (volume.shape[axis] - 1)), axis=axis))))
    return out


def skimage_examples() -> list[Example]:
    """Photos, micrographs, a retina, the Hubble deep field, textures, text, a phantom: all not CT."""
    import skimage

    folder = Path(skimage.__file__).parent / "data"
    out = []
    for path in sorted(folder.glob("*")):
        if path.suffix.lower() in (".png", ".jpg", ".gif") and (image := cv2.imread(str(path), cv2.IMREAD_COLOR)) is not None:
            out.append(Example(to_view8(image), 0, "package:scikit-image"))
    return out


def pydicom_examples() -> list[Example]:
    """pydicom's test images: the CTs (at lung, mediastinal, bone and brain windows) and the MR,
    ultrasound, nuclear medicine and secondary-capture images as hard negatives."""
    import pydicom

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in sorted((Path(pydicom.__file__).parent / "data" / "test_files").rglob("*")):
            try:
                ds = pydicom.dcmread(path)
                pixels = ds.pixel_array if "PixelData" in ds else None
            except Exception:  # noqa: BLE001 - many test files are broken on purpose
                continue
            if pixels is None or min(pixels.shape[:2]) < 48 or pixels.dtype.itemsize > 2 or ds.get("Modality") in ("SEG", "RTDOSE"):
                continue
            frame = pixels[0] if pixels.ndim == 4 or (pixels.ndim == 3 and pixels.shape[-1] not in (3, 4)) else pixels
            if ds.get("Modality") == "CT":
                hu = frame * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
                out += [Example(window(hu, w, l), 1, "package:pydicom-ct") for w, l in CT_WINDOWS.values()]
            elif frame.ndim == 3:
                out.append(Example(to_view8(cv2.cvtColor(frame.astype(np.uint8), cv2.COLOR_RGB2BGR)), 0, "package:pydicom-other"))
            else:
                out.append(Example(stretch(frame), 0, "package:pydicom-other"))
    return out


def matplotlib_examples() -> list[Example]:
    """matplotlib's sample data: a brain MRI, a photo, a logo, and terrain rendered as maps."""
    import matplotlib
    from matplotlib.colors import LightSource

    folder = Path(matplotlib.get_data_path()) / "sample_data"
    out = [Example(to_view8(cv2.imread(str(folder / name), cv2.IMREAD_COLOR)), 0, "package:matplotlib") for name in ("grace_hopper.jpg", "logo2.png", "Minduka_Present_Blue_Pack.png")]
    with gzip.open(folder / "s1045.ima.gz") as fh:
        mri = np.frombuffer(fh.read(), np.uint16).reshape(256, 256)
    out.append(Example(stretch(mri), 0, "package:matplotlib"))
    ls = LightSource(azdeg=315, altdeg=45)
    for name, key in (("topobathy.npz", "topo"), ("jacksboro_fault_dem.npz", "elevation")):
        dem = np.load(folder / name)[key].astype(np.float32)
        for cmap in ("terrain", "gist_earth", "viridis"):
            rgb = ls.shade(dem, cmap=matplotlib.colormaps[cmap], blend_mode="overlay")
            out.append(Example(cv2.cvtColor((255 * rgb[:, :, :3]).astype(np.uint8), cv2.COLOR_RGB2BGR), 0, "package:matplotlib"))
        out.append(Example(stretch(ls.hillshade(dem)), 0, "package:matplotlib"))
    return out


def nifti_examples() -> list[Example]:
    """Brain MR and fMRI slices from nibabel's test data and nilearn's MNI templates: not CT."""
    import nibabel
    import nilearn

    out = []
    for group, paths in (
        ("package:nibabel", [Path(nibabel.__file__).parent / "tests" / "data" / n for n in ("anatomical.nii", "example4d.nii.gz")]),
        ("package:nilearn", sorted((Path(nilearn.__file__).parent / "datasets" / "data").glob("*.nii.gz"))),
    ):
        for path in paths:
            volume = np.asanyarray(nibabel.load(str(path)).dataobj).astype(np.float32)
            volume = volume[..., 0] if volume.ndim == 4 else volume
            if volume.ndim == 3 and min(volume.shape) >= 16:
                out += [Example(s, 0, group) for s in _slices(volume, 2)]
    return out


def package_examples() -> list[Example]:
    return skimage_examples() + pydicom_examples() + matplotlib_examples() + nifti_examples()
