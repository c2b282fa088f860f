#!/usr/bin/env python3
"""Rebuild files/ from GitHub mirrors listed in MANIFEST.tsv and verify sha256.

usage: python build_pdfs.py [--mirror /work/.mirror] [--out files] [--manifest MANIFEST.tsv] [--check-only]

For each manifest row the blob is read with
    git --git-dir=<mirror>/<owner>+<name>[/repo[/.git]] show <commit>:<path>
(nothing from the mirror is executed). Exit status 0 only if every file is present with the
expected sha256; missing mirrors/commits/blobs and hash mismatches are reported.
"""
import argparse, csv, hashlib, os, subprocess, sys

def gitdir(mirror, repo):
    base = os.path.join(mirror, repo.replace("/", "+"))
    for c in (os.path.join(base, "repo", ".git"), os.path.join(base, "repo"), base):
        if os.path.isdir(c) and (os.path.exists(os.path.join(c, "HEAD")) or os.path.exists(os.path.join(c, "objects"))):
            return c
    return None

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", default="/work/.mirror")
    ap.add_argument("--out", default=os.path.join(here, "files"))
    ap.add_argument("--manifest", default=os.path.join(here, "MANIFEST.tsv"))
    ap.add_argument("--check-only", action="store_true", help="only verify existing files in --out")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rows = list(csv.DictReader(open(a.manifest, newline="", encoding="utf-8"), delimiter="\t"))
    ok, problems = 0, []
    for r in rows:
        dst = os.path.join(a.out, r["file"])
        data = None
        if not a.check_only:
            g = gitdir(a.mirror, r["repo"])
            if g is None:
                problems.append((r["file"], f"mirror missing for {r['repo']} under {a.mirror}")); continue
            p = subprocess.run(["git", f"--git-dir={g}", "show", f"{r['commit']}:{r['path']}"], capture_output=True)
            if p.returncode != 0 or not p.stdout:
                problems.append((r["file"], f"git show failed: {p.stderr.decode(errors='replace').strip()[:200]}")); continue
            data = p.stdout
        else:
            if not os.path.exists(dst):
                problems.append((r["file"], "file missing")); continue
            data = open(dst, "rb").read()
        h = hashlib.sha256(data).hexdigest()
        if h != r["sha256"]:
            problems.append((r["file"], f"sha256 mismatch: got {h}, manifest {r['sha256']}")); continue
        if not a.check_only:
            tmp = dst + ".tmp"
            with open(tmp, "wb") as f: f.write(data)
            os.replace(tmp, dst)
        ok += 1
    extra = sorted(set(os.listdir(a.out)) - {r["file"] for r in rows})
    print(f"{ok}/{len(rows)} files OK in {a.out}")
    for f, why in problems: print(f"MISSING/BAD {f}: {why}")
    if extra: print("not in manifest:", ", ".join(extra))
    return 0 if not problems else 1

if __name__ == "__main__":
    sys.exit(main())
