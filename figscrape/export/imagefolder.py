"""Hugging Face's imagefolder layout: one folder per split, each with its images and a
metadata.parquet whose schema is written out, not inferred. So every split has the same column
types whatever is empty in it (a CSV column empty in one split is read as float64 there, as text
in another), and `label` is a ClassLabel: the schema carries `datasets`' features, which
`load_dataset("imagefolder", ...)` reads back. MetaInfo.csv beside the splits is the same table
for people; `datasets` ignores it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from figscrape.data.votes import COVID, NONCOVID
from figscrape.export.items import Item
from figscrape.export.metainfo import COLUMNS, TYPES, meta_row

CLASS_NAMES = [COVID, NONCOVID]
SPLIT_FOLDERS = {"train": "train", "val": "validation", "test": "test"}
METADATA = "metadata.parquet"
HUB_LICENSES = {"cc_by": "cc-by-4.0", "cc_by_nc": "cc-by-nc-4.0", "cc_by_nd": "cc-by-nd-4.0", "cc_by_nc_nd": "cc-by-nc-nd-4.0",
                "cc_by_sa": "cc-by-sa-4.0", "cc_by_nc_sa": "cc-by-nc-sa-4.0", "cc0": "cc0-1.0"}


def column_name(column: str) -> str:
    """A MetaInfo column as a metadata field: `Age (labelled)` → `age_labelled`."""
    return column.lower().replace(" ", "_").replace("-", "_").replace("(", "").replace(")", "")


def columns() -> list[str]:
    """file_name first, then label (folder names are not labels once metadata exists), then MetaInfo's."""
    return ["file_name", "label"] + [column_name(c) for c in COLUMNS[1:]]


def _dtypes() -> list[str]:
    return ["string", "class_label"] + [TYPES.get(c, "string") for c in COLUMNS[1:]]


def features() -> dict:
    """The features as `datasets` writes them in a schema (`Features.to_dict()`)."""
    out: dict = {}
    for name, dtype in zip(columns(), _dtypes()):
        out[name] = {"names": CLASS_NAMES, "_type": "ClassLabel"} if dtype == "class_label" else {"dtype": dtype, "_type": "Value"}
    return out


def record(item: Item) -> list[object]:
    """One metadata row, each value of its column's type: text "" when empty, numbers None."""
    values = [item.name, CLASS_NAMES.index(item.resolution.cls)] + meta_row(item)[1:]
    out: list[object] = []
    for value, dtype in zip(values, _dtypes()):
        if dtype == "string":
            out.append("" if value is None else str(value))
        elif dtype == "float64":
            out.append(None if value in (None, "") else float(value))  # type: ignore[arg-type]
        else:
            out.append(None if value in (None, "") else int(value))  # type: ignore[call-overload]
    return out


def write_metadata(path: Path, items: Sequence[Item]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = {"string": pa.string(), "class_label": pa.int64(), "int64": pa.int64(), "float64": pa.float64()}
    schema = pa.schema([(n, arrow[t]) for n, t in zip(columns(), _dtypes())],
                       metadata={"huggingface": json.dumps({"info": {"features": features()}}, sort_keys=True)})
    rows = [record(i) for i in items]
    table = pa.Table.from_arrays([pa.array([r[k] for r in rows], type=schema.field(k).type) for k in range(len(schema))], schema=schema)
    pq.write_table(table, path)


def read_metadata(path: Path) -> list[dict]:
    """A split's metadata rows, label as its class name."""
    import pyarrow.parquet as pq

    rows = pq.read_table(path).to_pylist()
    for row in rows:
        row["label"] = CLASS_NAMES[row["label"]] if isinstance(row.get("label"), int) and 0 <= row["label"] < 2 else str(row.get("label"))
    return rows


def hub_license(items: Sequence[Item]) -> str:
    """The Hub's licence id when every image has the same known licence; else `other`."""
    found = {HUB_LICENSES.get(i.license, "other") for i in items}
    return found.pop() if len(found) == 1 else "other"


def card_header(items: Sequence[Item], imagefolder: bool) -> str:
    """The YAML block a Hub dataset card opens with: licence, task, and for imagefolder its features and splits."""
    lines = ["---", f"license: {hub_license(items)}", "task_categories:", "- image-classification", "tags:", "- medical",
             "- covid-19", "- ct", "pretty_name: figscrape CT images from preprint figures"]
    if imagefolder:
        lines += ["dataset_info:", "  features:", "  - name: image", "    dtype: image"]
        for name, dtype in zip(columns()[1:], _dtypes()[1:]):
            lines.append(f"  - name: {name}")
            if dtype == "class_label":
                lines += ["    dtype:", "      class_label:", "        names:"] + [f"          '{k}': {n}" for k, n in enumerate(CLASS_NAMES)]
            else:
                lines.append(f"    dtype: {dtype}")
        present = {split: folder for split, folder in SPLIT_FOLDERS.items() if any(i.split == split for i in items)}
        lines.append("  splits:")
        for split, folder in present.items():
            lines += [f"  - name: {folder}", f"    num_examples: {sum(1 for i in items if i.split == split)}"]
        lines += ["configs:", "- config_name: default", "  data_files:"]
        for folder in present.values():
            lines += [f"  - split: {folder}", f"    path: {folder}/*"]
    return "\n".join(lines + ["---", "", ""])
