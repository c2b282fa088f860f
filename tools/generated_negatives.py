"""Hard negatives for the CT filter rendered with matplotlib (a training-time dependency): choropleth
maps, pies and donuts, bars, lines, scatter, heat maps with colour bars, galaxy fields, shaded 3D
renderings and segmentation label maps, on white and on dark backgrounds, the kinds of picture that a COVID paper's figure shows beside its CT."""

from __future__ import annotations

import cv2
import numpy as np

from figscrape.classify.train import Example


def _choropleth(ax, rng: np.random.Generator, cmap: str) -> None:  # noqa: ANN001
    import matplotlib
    from scipy.spatial import Voronoi

    points = rng.random((int(rng.integers(15, 80)), 2))
    vor = Voronoi(np.vstack([points, [[-5, -5], [-5, 5], [5, -5], [5, 5]]]))
    centre, radius = rng.uniform(0.4, 0.6, 2), rng.uniform(0.3, 0.5)
    values = rng.random(len(points))
    for i, region_index in enumerate(vor.point_region[: len(points)]):
        region = vor.regions[region_index]
        if -1 in region or not region or np.linalg.norm(points[i] - centre) > radius * rng.uniform(0.8, 1.3):
            continue
        poly = vor.vertices[region]
        ax.fill(poly[:, 0], poly[:, 1], color=matplotlib.colormaps[cmap](values[i]), edgecolor="k", linewidth=0.4)
    ax.set_xlim(0, 1), ax.set_ylim(0, 1), ax.set_aspect("equal"), ax.axis("off")


def _galaxies(ax, rng: np.random.Generator) -> None:  # noqa: ANN001
    field = np.zeros((256, 256), np.float32)
    yy, xx = np.mgrid[:256, :256]
    for _ in range(int(rng.integers(20, 120))):
        x, y, s = rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0.5, 6)
        field += rng.uniform(0.1, 1) * np.exp(-((xx - x) ** 2 + (yy - y) ** 2 * rng.uniform(0.3, 1)) / (2 * s * s))
    field += rng.normal(0, 0.01, field.shape)
    ax.imshow(np.sqrt(np.clip(field, 0, None)), cmap=str(rng.choice(["gray", "inferno", "bone", "magma"]))), ax.axis("off")


def _rendering(ax, rng: np.random.Generator) -> None:  # noqa: ANN001
    """A shaded 3D surface (a lumpy organ- or bone-like shape) on black or white: what papers show as
    volume renderings beside slices, which are not slices."""
    u, v = np.mgrid[0 : 2 * np.pi : 60j, 0 : np.pi : 30j]
    r = 1 + sum(rng.uniform(0, 0.25) * np.sin(rng.integers(1, 5) * u + rng.uniform(0, 6)) * np.sin(rng.integers(1, 4) * v) for _ in range(4))
    x, y, z = r * np.cos(u) * np.sin(v), rng.uniform(0.5, 1.5) * r * np.sin(u) * np.sin(v), rng.uniform(0.6, 2) * r * np.cos(v)
    from matplotlib.colors import LightSource

    colour = LightSource(azdeg=float(rng.uniform(0, 360)), altdeg=45).shade(z, cmap=__import__("matplotlib").colormaps[str(rng.choice(["bone", "gray", "copper", "Reds", "pink"]))])
    ax.plot_surface(x, y, z, facecolors=colour, linewidth=0, antialiased=False, shade=False)
    ax.view_init(float(rng.uniform(-30, 60)), float(rng.uniform(0, 360))), ax.set_axis_off()


def _label_map(ax, rng: np.random.Generator) -> None:  # noqa: ANN001
    """A segmentation label map alone: flat patches of a few colours, on black."""
    seeds = rng.random((int(rng.integers(4, 20)), 2)) * 128
    yy, xx = np.mgrid[:128, :128]
    nearest = np.argmin((yy[..., None] - seeds[:, 0]) ** 2 + (xx[..., None] - seeds[:, 1]) ** 2, axis=2)
    inside = (yy - 64) ** 2 / rng.uniform(900, 3600) + (xx - 64) ** 2 / rng.uniform(900, 3600) < 1
    ax.imshow(np.where(inside, nearest + 1, 0), cmap=str(rng.choice(["tab20", "nipy_spectral", "Set1", "jet"])), interpolation="nearest"), ax.axis("off")


def _draw(kind: str, ax, rng: np.random.Generator) -> None:  # noqa: ANN001, C901
    cmap = str(rng.choice(["viridis", "Reds", "YlOrRd", "Blues", "coolwarm", "plasma", "RdYlGn"]))
    n = int(rng.integers(3, 9))
    if kind == "map":
        _choropleth(ax, rng, cmap)
    elif kind == "pie":
        ax.pie(rng.random(n) + 0.1, labels=[f"g{i}" for i in range(n)], wedgeprops={"width": rng.choice([1.0, 0.4])})
    elif kind == "bars":
        ax.bar(range(n), rng.random(n) * 100, color=[f"C{i}" for i in range(n)]), ax.set_ylabel("cases")
    elif kind == "lines":
        for i in range(int(rng.integers(1, 5))):
            ax.plot(np.cumsum(rng.normal(0, 1, 60)), label=f"series {i}")
        ax.legend(), ax.set_xlabel("day")
    elif kind == "scatter":
        ax.scatter(rng.normal(0, 1, 200), rng.normal(0, 1, 200), c=rng.random(200), cmap=cmap, s=rng.uniform(4, 30))
    elif kind == "heatmap":
        im = ax.imshow(cv2.GaussianBlur(rng.random((24, 24)).astype(np.float32), (0, 0), rng.uniform(0.5, 3)), cmap=cmap)
        ax.figure.colorbar(im, ax=ax)
    elif kind == "galaxy":
        _galaxies(ax, rng)
    elif kind == "rendering":
        _rendering(ax, rng)
    elif kind == "labels":
        _label_map(ax, rng)
    else:  # box plots and histograms
        ax.boxplot([rng.normal(i, 1, 50) for i in range(n)]) if rng.random() < 0.5 else ax.hist(rng.normal(0, 1, 500), bins=30)


KINDS = ("map", "pie", "bars", "lines", "scatter", "heatmap", "galaxy", "boxes", "rendering", "labels")


def generated_negatives(count: int, seed: int) -> list[Example]:
    """`count` rendered charts, maps and galaxy fields (8-bit BGR), the same for a seed."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        with plt.style.context("dark_background" if rng.random() < 0.25 else "default"):
            fig = plt.figure(figsize=(rng.uniform(2.5, 5), rng.uniform(2, 4)), dpi=int(rng.integers(60, 110)))
            ax = fig.add_subplot(projection="3d" if kind == "rendering" else None)
            if kind == "rendering" and rng.random() < 0.6:
                fig.set_facecolor("black"), ax.set_facecolor("black")
            _draw(kind, ax, rng)
            fig.canvas.draw()
            rgba = np.asarray(fig.canvas.buffer_rgba())
            plt.close(fig)
        out.append(Example(cv2.cvtColor(rgba[:, :, :3], cv2.COLOR_RGB2BGR), 0, f"generated:{kind}"))
    return out
