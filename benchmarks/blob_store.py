"""Upload and serve throughput of originals: the local folder beside an S3-compatible store.

Each engine stores the same random originals (so nothing is deduplicated) through the
service's own path (`models.blob_store`: hash, HEAD, PUT or multipart with Content-MD5, size
check) and reads each back with its SHA-256 verified, as `/file`, the page images and the
searchable PDF do. Reported per engine and size: originals per second and MB/s both ways.

    python -m benchmarks.blob_store --s3-url s3://bucket/prefix --endpoint http://127.0.0.1:8333
    (credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from models.blob_s3 import s3_store
from models.blobs import BlobStore, LocalBlobStore

SIZES_MB = (0.25, 2.0, 40.0)  # a text/short PDF, a typical scan, a large bound dossier


def measure(store: BlobStore, size_mb: float, count: int) -> dict[str, float]:
    blobs = [os.urandom(int(size_mb * 1024 * 1024)) for _ in range(count)]
    t0 = time.perf_counter()
    digests = [store.put(b) for b in blobs]
    put_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d in digests:
        store.get(d)
    get_s = time.perf_counter() - t0
    total = size_mb * count
    return {"size_mb": size_mb, "count": count,
            "put_per_s": round(count / put_s, 1), "put_mb_s": round(total / put_s, 1),
            "get_per_s": round(count / get_s, 1), "get_mb_s": round(total / get_s, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--s3-url", required=True)
    ap.add_argument("--endpoint")
    ap.add_argument("--part-mb", type=int, default=16)
    ap.add_argument("--budget-mb", type=float, default=120.0, help="bytes per engine and size")
    args = ap.parse_args()
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        stores: dict[str, BlobStore] = {
            "local": LocalBlobStore(Path(tmp) / "blobs"),
            "s3": s3_store(f"{args.s3_url.rstrip('/')}/bench-{os.getpid()}", args.endpoint,
                           "us-east-1", args.part_mb, 30.0)}
        for size in SIZES_MB:
            count = max(2, int(args.budget_mb / size))
            for name, store in stores.items():
                row = {"engine": name, **measure(store, size, min(count, 200))}
                print(json.dumps(row))
                out.append(row)


if __name__ == "__main__":
    main()
