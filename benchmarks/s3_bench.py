"""MECA crawler benchmark against a local S3 server (moto, in this process's threads): figscrape's
ranged reads (central directory, JATS, PDF) beside downloading each whole bundle and unzipping it,
in one run. Bundles are built like medRxiv's (JATS, PDF, deflated figure and table TIFFs of a few
MB unpacked each); with ../shared present the real medRxiv bundle is added.

Prints bundles per second and bytes read per bundle for both, and the share of bytes figscrape reads.

    python benchmarks/s3_bench.py [--bundles 40] [--workers 4]
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
REAL = HERE.parent.parent / "shared" / "corpus" / "rxiv" / "meca" / "elife-bot_95901-v1-meca.zip"


def start_server() -> str:
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False).start()
    return f"http://127.0.0.1:{port}"


def build(count: int) -> list[bytes]:
    from meca_bundles import BundleSpec, make_bundle

    from figscrape.synthetic.papers import make_paper

    out = []
    for n in range(count):
        pdf = make_paper(900 + n, figures=3).pdf
        spec = BundleSpec(f"10.1101/2020.03.{10 + n % 18:02d}.2005{n:04d}", pdf=pdf, figure_size=(1400, 1000),
                          captions=("Chest CT, patient 1.", "Chest CT, patient 2.", "Table 1.", "Table 2."))
        out.append(make_bundle(spec))
    if REAL.is_file():
        out.append(REAL.read_bytes())
    return out


def whole_download(client, bucket: str, keys: list[str], workers: int) -> tuple[float, int]:  # noqa: ANN001
    """The baseline: get each whole bundle, then take the JATS and the PDF out of it locally."""
    from concurrent.futures import ThreadPoolExecutor

    from figscrape.crawl.meca import read_article, read_manifest

    def one(key: str) -> int:
        data = client.get_object(Bucket=bucket, Key=key, RequestPayer="requester")["Body"].read()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            manifest = read_manifest(zf)
            read_article(zf.read(manifest.article_xml))
            zf.read(manifest.pdf)
        return len(data)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        total = sum(pool.map(one, keys))
    return time.perf_counter() - started, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundles", type=int, default=40)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    os.environ["FIGSCRAPE_S3_ENDPOINT"] = start_server()
    work = Path(tempfile.mkdtemp(prefix="s3-bench-"))
    os.environ["FIGSCRAPE_DATA"] = str(work / "data")
    from figscrape.config import load_config
    from figscrape.crawl.s3 import S3Options, crawl_s3
    from figscrape.data.db import open_database
    from figscrape.runtime.runs import RunLog
    from figscrape.store import ObjectStore, s3_client

    config = load_config()
    client = s3_client(config.s3_endpoint)
    bucket = config.s3_bucket_medrxiv
    client.create_bucket(Bucket=bucket)
    bundles = build(args.bundles)
    keys = []
    for n, data in enumerate(bundles):
        key = f"Current_Content/March_2020/{n:05d}.meca"
        client.put_object(Bucket=bucket, Key=key, Body=data)
        keys.append(key)
    sizes = sum(len(b) for b in bundles)
    engine = open_database(config.db_url)
    run = RunLog("crawl-s3")
    started = time.perf_counter()
    meter = crawl_s3(engine, ObjectStore(config.store_root), config, S3Options(servers=["medrxiv"], months=["2020-03"], workers=args.workers), run)
    ours = time.perf_counter() - started
    base_seconds, base_bytes = whole_download(client, bucket, keys, args.workers)
    n = len(bundles)
    print()
    print(f"{n} bundles, {sizes / n / 1e6:.2f} MB each on average ({'with' if REAL.is_file() else 'without'} the real medRxiv bundle); "
          f"stored {run.counts['bundles_stored']}, failed {run.counts['bundles_failed']}")
    print("| method | bundles/s | MB read per bundle | share of whole bundles |")
    print("|---|---|---|---|")
    print(f"| figscrape ranged reads (JATS + PDF, {args.workers} workers) | {n / ours:.1f} | {meter.total / n / 1e6:.3f} | {meter.total / sizes:.1%} |")
    print(f"| whole-bundle download, then unzip ({args.workers} workers) | {n / base_seconds:.1f} | {base_bytes / n / 1e6:.3f} | {base_bytes / sizes:.1%} |")
    print(f"\nbar: under 40% of the bytes of whole-bundle downloads -> {'met' if meter.total < 0.4 * base_bytes else 'NOT met'}")


if __name__ == "__main__":
    main()
