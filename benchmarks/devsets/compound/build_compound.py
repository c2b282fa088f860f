#!/usr/bin/env python3
"""Rebuild files/ of the compound-figure dev set from the git mirrors and check it.

Each figure of MANIFEST.tsv is taken with
    git --git-dir=<mirror>/<owner>+<name>[/repo] show <commit>:<path>
Figures whose truth.json source carries a "render" entry are pages of a PDF figure
file; they are rendered with pymupdf: page <page> of the PDF at <dpi> dpi
(clip rectangle in PDF points if given, none here), pixmap saved as PNG.
The sha256 of every written file is checked against MANIFEST.tsv.

usage: build_compound.py [--mirror /work/.mirror] [--out DIR] [--check-only]
exit status 0 when every file is present with the right sha256, 1 otherwise.
Nothing from the mirrors is executed; only blobs are read.
"""
import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def git_dir(mirror, repo):
    base = os.path.join(mirror, repo.replace('/', '+'))
    for cand in (os.path.join(base, 'repo', '.git'), os.path.join(base, 'repo'), base):
        if os.path.isfile(os.path.join(cand, 'HEAD')):
            return cand
    return None


def blob(gd, commit, path):
    r = subprocess.run(['git', '--git-dir', gd, 'show', f'{commit}:{path}'], capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.decode(errors='replace').strip())
    return r.stdout


def render_pdf(data, render):
    import pymupdf  # pymupdf >= 1.24
    doc = pymupdf.open(stream=data, filetype='pdf')
    page = doc[render.get('page', 0)]
    clip = render.get('clip')
    pix = page.get_pixmap(dpi=render.get('dpi', 100), clip=pymupdf.Rect(*clip) if clip else None)
    return pix.tobytes('png')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mirror', default='/work/.mirror')
    ap.add_argument('--out', default=os.path.join(HERE, 'files'))
    ap.add_argument('--check-only', action='store_true', help='only check files already in --out')
    a = ap.parse_args()
    truth = json.load(open(os.path.join(HERE, 'truth.json')))['figures']
    rows = list(csv.DictReader(open(os.path.join(HERE, 'MANIFEST.tsv')), delimiter='\t'))
    os.makedirs(a.out, exist_ok=True)
    ok = missing = bad = 0
    problems = []
    for row in rows:
        name = row['file']
        dst = os.path.join(a.out, name)
        try:
            if not a.check_only:
                src = truth[name]['source']
                gd = git_dir(a.mirror, row['repo'])
                if gd is None:
                    raise RuntimeError(f"no mirror for {row['repo']} under {a.mirror}")
                data = blob(gd, row['commit'], src['path'])
                if 'render' in src:
                    data = render_pdf(data, src['render'])
                with open(dst + '.tmp', 'wb') as fh:
                    fh.write(data)
                os.replace(dst + '.tmp', dst)
            if not os.path.exists(dst):
                raise FileNotFoundError(dst)
            sha = hashlib.sha256(open(dst, 'rb').read()).hexdigest()
            if sha != row['sha256']:
                bad += 1
                problems.append(f'SHA MISMATCH {name}: {sha} != {row["sha256"]}')
            else:
                ok += 1
        except Exception as e:  # report and go on
            missing += 1
            problems.append(f'MISSING {name} ({row["repo"]}:{row["path"]}): {e}')
    extra = sorted(set(os.listdir(a.out)) - {r['file'] for r in rows})
    for p in problems:
        print(p)
    if extra:
        print('files not in MANIFEST:', ' '.join(extra))
    print(f'{ok} ok, {missing} missing, {bad} sha mismatch, of {len(rows)} figures')
    return 0 if ok == len(rows) else 1


if __name__ == '__main__':
    sys.exit(main())
