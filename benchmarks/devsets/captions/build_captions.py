#!/usr/bin/env python3
"""Rebuild captions.json (id -> caption text) of the figscrape caption dev set.

Reads every source blob straight from the git mirrors
(``git --git-dir=<mirror>/<owner>+<name> show <commit>:<path>``; a mirror laid
out as ``<owner>+<name>/repo`` is accepted too), checks each blob's sha256
against MANIFEST.tsv, extracts each caption named in truth.json by its
locator, and compares it with the caption text stored in truth.json.

Exit status 0 when everything matches, 1 otherwise (mismatches are listed).

Usage:
    python build_captions.py --mirror /work/.mirror [--dir DIR] [--out captions.json]

Standard library only, plus openpyxl (xlsx) and lxml (BioC XML; falls back to
xml.etree when lxml is missing).
"""
import argparse
import ast
import hashlib
import io
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def norm(s):
    """Collapse all whitespace runs to one space and strip."""
    return " ".join((s or "").split())


def git_dir(mirror, repo):
    base = os.path.join(mirror, repo.replace("/", "+"))
    for cand in (base, os.path.join(base, "repo")):
        if os.path.isfile(os.path.join(cand, "HEAD")) and os.path.isdir(os.path.join(cand, "objects")):
            return cand
    raise FileNotFoundError("no git mirror for %s under %s" % (repo, mirror))


def read_blob(mirror, repo, commit, path):
    gd = git_dir(mirror, repo)
    return subprocess.run(["git", "--git-dir=" + gd, "show", "%s:%s" % (commit, path)],
                          check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout


def parse_locator(loc):
    """'k1=v1;k2=v2' -> dict (values may contain '=' but not ';')."""
    out = {}
    for part in loc.split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()
    return out


# ---------------------------------------------------------------- extractors
class XlsxSource:
    """COVID-CT-MetaInfo.xlsx: locator sheet=<name>;row=<n>;col=<header>."""

    def __init__(self, data):
        import openpyxl
        self.wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        self.cache = {}

    def _rows(self, sheet):
        if sheet not in self.cache:
            self.cache[sheet] = list(self.wb[sheet].iter_rows(values_only=True))
        return self.cache[sheet]

    def get(self, loc):
        rows = self._rows(loc["sheet"])
        header = [str(h) if h is not None else "" for h in rows[0]]
        col = header.index(loc["col"])
        val = rows[int(loc["row"]) - 1][col]
        if val is None:
            return None
        s = str(val).strip()
        # many cells hold a Python list literal such as "['Figure 1. ...']"
        if s.startswith("[") and s.endswith("]"):
            try:
                lst = ast.literal_eval(s)
                if isinstance(lst, list) and all(isinstance(x, str) for x in lst):
                    s = " ".join(lst)
            except (ValueError, SyntaxError):
                pass
        return norm(s)


class BiocSource:
    """BioC collection XML: locator document=<id>; the caption is the text of
    every passage whose infon 'type' is 'caption', joined with a space."""

    def __init__(self, data):
        try:
            from lxml import etree
            root = etree.fromstring(data)
        except ImportError:  # pragma: no cover
            import xml.etree.ElementTree as etree
            root = etree.fromstring(data)
        self.docs = {}
        for d in root.iter("document"):
            did = d.findtext("id")
            parts = []
            for p in d.findall("passage"):
                typ = None
                for inf in p.findall("infon"):
                    if inf.get("key") == "type":
                        typ = inf.text
                if typ == "caption":
                    parts.append(norm(p.findtext("text")))
            self.docs[did] = norm(" ".join(parts))

    def get(self, loc):
        return self.docs.get(loc["document"])


class TsvLinesSource:
    """ROCO captions.txt: '<ROCO_id>\\t<caption>' per line; locator key=<ROCO_id>."""

    def __init__(self, data):
        self.lines = {}
        for line in data.decode("utf-8").splitlines():
            if "\t" in line:
                k, v = line.split("\t", 1)
                self.lines[k.strip()] = norm(v)

    def get(self, loc):
        return self.lines.get(loc["key"])


def make_source(path, data):
    if path.endswith(".xlsx"):
        return XlsxSource(data)
    if path.endswith(".xml"):
        return BiocSource(data)
    if path.endswith(".txt"):
        return TsvLinesSource(data)
    raise ValueError("no extractor for " + path)


def read_manifest(fn):
    rows = []
    with open(fn, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            if line.strip():
                rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mirror", default="/work/.mirror")
    ap.add_argument("--dir", default=HERE, help="folder with truth.json and MANIFEST.tsv")
    ap.add_argument("--out", default=None, help="output file (default <dir>/captions.json)")
    args = ap.parse_args(argv)

    truth = json.load(open(os.path.join(args.dir, "truth.json"), encoding="utf-8"))
    manifest = read_manifest(os.path.join(args.dir, "MANIFEST.tsv"))
    problems = []
    sources = {}
    counts = {}
    for m in manifest:
        key = (m["repo"], m["commit"], m["path"])
        try:
            data = read_blob(args.mirror, *key)
        except Exception as e:  # noqa: BLE001
            problems.append("cannot read %s@%s:%s: %s" % (key[0], key[1], key[2], e))
            continue
        sha = hashlib.sha256(data).hexdigest()
        if sha != m["sha256"]:
            problems.append("sha256 mismatch for %s:%s: manifest %s, blob %s" % (key[0], key[2], m["sha256"], sha))
        sources[key] = make_source(m["path"], data)
        counts[key] = 0

    captions = {}
    seen = set()
    for c in truth["captions"]:
        cid = c["id"]
        if cid in seen:
            problems.append("duplicate id " + cid)
        seen.add(cid)
        s = c["source"]
        key = (s["repo"], s["commit"], s["path"])
        if key not in sources:
            problems.append("%s: source %s not in manifest (or unreadable)" % (cid, key))
            continue
        text = sources[key].get(parse_locator(s["locator"]))
        if text is None:
            problems.append("%s: locator %r found nothing" % (cid, s["locator"]))
            continue
        captions[cid] = text
        counts[key] += 1
        if text != c["caption"]:
            problems.append("%s: rebuilt caption differs from truth.json\n  rebuilt: %s\n  truth:   %s"
                            % (cid, text[:300], c["caption"][:300]))

    for m in manifest:
        key = (m["repo"], m["commit"], m["path"])
        if key in counts and str(counts[key]) != m.get("n_captions", str(counts[key])):
            problems.append("%s:%s: manifest says %s captions, truth.json has %d"
                            % (m["repo"], m["path"], m["n_captions"], counts[key]))

    out = args.out or os.path.join(args.dir, "captions.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(captions, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    print("rebuilt %d of %d captions from %d source files -> %s"
          % (len(captions), len(truth["captions"]), len(sources), out))
    if problems:
        print("%d PROBLEM(S):" % len(problems))
        for p in problems:
            print(" - " + p)
        return 1
    print("OK: every blob sha256 and every caption text match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
