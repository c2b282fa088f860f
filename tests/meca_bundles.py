"""MECA bundles made by the tests: a real ZIP with mimetype, manifest, transfer, JATS, PDF and
figure TIFFs, laid out as medRxiv's are, with the defects real bundles have when asked for."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import cv2
import numpy as np

from figscrape.synthetic.images import ct_slice

JATS = """<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.3 20210610//EN" "JATS-archivearticle1-mathml3.dtd"><article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="article" dtd-version="1.3" xml:lang="en"><front><journal-meta><journal-id journal-id-type="publisher-id">MEDRXIV</journal-id></journal-meta>
<article-meta>
<article-id pub-id-type="doi">{doi}</article-id>
<article-version>{version}.1</article-version>
<article-categories><subj-group subj-group-type="hwp-journal-coll"><subject>{category}</subject></subj-group></article-categories>
<title-group><article-title>{title}</article-title></title-group>
<contrib-group><contrib contrib-type="author"><name><surname>Liang</surname><given-names>Jie</given-names></name></contrib></contrib-group>
<history><date date-type="received"><day>24</day><month>3</month><year>2020</year></date></history>
<permissions><license license-type="creative-commons" xlink:href="{license}"><license-p>This work is licensed.</license-p></license></permissions>
<abstract><p>{abstract}</p></abstract>
</article-meta></front><body>
{figs}
</body></article>"""

FIG = """<fig id="fig{n}" position="float" fig-type="figure"><label>Figure {n}.</label><caption><p>{caption}</p></caption><graphic xlink:href="{stem}v{version}_fig{n}.tif"/></fig>"""

MANIFEST = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE manifest SYSTEM "http://schema.highwire.org/public/MECA/v0.9/Manifest/Manifest.dtd">
<manifest xmlns="http://manuscriptexchange.org" version="1.0">
<item type="article" id="{stem}v{version}">
<title>{title}</title>
<instance media-type="application/xml" href="content/{stem}.xml"/>
{pdf_instance}
</item>
<item id="transfer" type="transfer-details"><instance media-type="application/meca-xfer+xml" href="transfer.xml"/></item>
{fig_items}
</manifest>"""


@dataclass
class BundleSpec:
    doi: str
    version: int = 1
    title: str = "Chest CT findings of COVID-19 pneumonia"
    abstract: str = "We describe chest CT of patients with SARS-CoV-2 pneumonia."
    license: str = "http://creativecommons.org/licenses/by/4.0/"
    captions: tuple[str, ...] = ("Chest CT of patient 1 with bilateral ground-glass opacities.",)
    pdf: bytes | None = b""
    figure_size: tuple[int, int] = (400, 300)
    nested: bool = False  # manifest.xml in a subfolder
    messy_xml: bool = False  # declaration not on line 1, bare &, &nbsp;, attributes run together
    malformed_jats: bool = False  # no article-meta at all
    category: str = "Radiology and Imaging"
    jats_doi: str | None = None  # the DOI as the JATS spells it, when not `doi` (which names the files)
    manifest_cut: bool = False  # manifest.xml stops half-way, inside an intact ZIP
    manifest: str | None = None  # manifest.xml as given, instead of the one made from the spec
    comment: bytes = b""  # the ZIP's comment (pads one bundle to another's size)


def tiff(width: int, height: int, seed: int) -> bytes:
    """An uncompressed RGB TIFF of a CT-like picture (it deflates about as well as the servers' figures do)."""
    rng = np.random.default_rng(seed)
    image = cv2.cvtColor(cv2.resize(ct_slice(rng, 256), (width, height), interpolation=cv2.INTER_CUBIC), cv2.COLOR_GRAY2BGR)
    ok, buf = cv2.imencode(".tif", image, [cv2.IMWRITE_TIFF_COMPRESSION, 1])  # uncompressed, as the servers' are
    assert ok
    return buf.tobytes()


def make_bundle(spec: BundleSpec) -> bytes:
    stem = spec.doi.rsplit(".", 1)[-1]
    figs = "".join(FIG.format(n=n + 1, caption=c, stem=stem, version=spec.version) for n, c in enumerate(spec.captions))
    jats = JATS.format(doi=spec.doi if spec.jats_doi is None else spec.jats_doi, version=spec.version, category=spec.category, title=spec.title, license=spec.license, abstract=spec.abstract, figs=figs)
    manifest = MANIFEST.format(
        stem=stem, version=spec.version, title=spec.title,
        pdf_instance=f'<instance media-type="application/pdf" href="content/{stem}.pdf"/>' if spec.pdf is not None else "",
        fig_items="".join(f'<item id="fig{n + 1}" type="figure"><title>Figure {n + 1}</title><instance media-type="image/tiff" '
                          f'href="content/{stem}v{spec.version}_fig{n + 1}.tif"/></item>' for n in range(len(spec.captions))),
    )
    if spec.messy_xml:
        jats = "\n\n  " + jats.replace("Chest CT", "Chest CT &amp; R&D&nbsp;study", 1).replace('fig-type="figure"', 'fig-type="figure"position="float"')
        manifest = "\n" + manifest.replace('version="1.0">', 'version="1.0" >', 1)
    if spec.malformed_jats:
        jats = "<article><front><journal-meta>oops</front>"
    if spec.manifest_cut:
        manifest = manifest[: len(manifest) // 2]
    if spec.manifest is not None:
        manifest = spec.manifest
    root = "bundle/" if spec.nested else ""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        if spec.pdf is not None:
            zf.writestr(f"{root}content/{stem}.pdf", spec.pdf)
        zf.writestr(f"{root}content/{stem}.xml", jats)
        for n in range(len(spec.captions)):
            zf.writestr(f"{root}content/{stem}v{spec.version}_fig{n + 1}.tif", tiff(*spec.figure_size, seed=n))
        zf.writestr(f"{root}manifest.xml", manifest)
        zf.writestr(f"{root}transfer.xml", '<transfer xmlns="http://www.manuscriptexchange.org"/>')
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/meca+zip")  # stored, and not first, as in real bundles
        zf.comment = spec.comment
    return out.getvalue()
