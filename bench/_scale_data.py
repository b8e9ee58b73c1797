"""Deterministic generators of the scale benchmark's Parquet data (cached on disk).

evaluation/  ``rows`` rows in ``files`` files: ``sex`` (2 groups), ``race`` (5 groups), ``label``
             (int8), ``score`` (float32, a logistic model's probability). The injected disparity:
             the score's logit is lowered by ``FEMALE_OFFSET`` for ``sex = female`` and by
             ``RACE_OFFSET`` for each race, with equal base rates, so at threshold 0.5 the selection
             rates differ by construction and the true-positive rates too.
drift/reference, drift/current  ``drift_rows`` rows each of 50 numeric features, a realistic mix:
             float32 normals and log-normals, float32 rates rounded to 1e-3, int16 counts
             (Poisson), int8 ages. The current window shifts ``DRIFTED`` features by known amounts
             and leaves the rest identically distributed (fresh draws).

Every file is written from its own seed ``(SEED, part, i)`` in row groups of ``CHUNK`` rows, so the
memory of the generator is bounded by one chunk and files can be written in parallel. A finished
directory holds ``_manifest.json``; when it matches the parameters the directory is reused.

    python bench/_scale_data.py DIR [--rows N] [--files K] [--drift-rows N] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SEED = 20261202
CHUNK = 500_000
SEX = ("female", "male")
SEX_P = (0.48, 0.52)
RACE = ("white", "black", "hispanic", "asian", "other")
RACE_P = (0.60, 0.13, 0.18, 0.06, 0.03)
FEMALE_OFFSET = -0.30
RACE_OFFSET = (0.0, -0.25, -0.15, 0.05, -0.10)
BASE_RATE = 0.30
FEATURES = 50
# feature index -> (location shift in units of its scale) in the current window
DRIFTED = {0: 0.10, 1: 0.05, 2: 0.20, 5: 0.02, 7: 0.50, 11: 0.10, 13: 0.30, 20: 0.01, 33: 0.15, 48: 0.05}


def _dictionary(codes: np.ndarray, values: tuple[str, ...]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int8()), pa.array(values, type=pa.string()))


def evaluation_chunk(rng: np.random.Generator, n: int) -> pa.RecordBatch:
    sex = (rng.random(n) >= SEX_P[0]).astype(np.int8)
    race = np.searchsorted(np.cumsum(RACE_P), rng.random(n), side="right").astype(np.int8)
    np.minimum(race, len(RACE) - 1, out=race)
    label = (rng.random(n) < BASE_RATE).astype(np.int8)
    logit = rng.standard_normal(n, dtype=np.float32) * np.float32(1.1)
    logit += np.where(label == 1, np.float32(0.9), np.float32(-0.9))
    logit += np.where(sex == 0, np.float32(FEMALE_OFFSET), np.float32(0.0))
    logit += np.asarray(RACE_OFFSET, dtype=np.float32)[race]
    score = (1.0 / (1.0 + np.exp(-logit))).astype(np.float32)
    return pa.RecordBatch.from_arrays(
        [_dictionary(sex, SEX), _dictionary(race, RACE), pa.array(label), pa.array(score)],
        names=["sex", "race", "label", "score"],
    )


def feature_kind(j: int) -> str:
    return ("normal", "lognormal", "count", "age", "rate")[j % 5]


def drift_chunk(rng: np.random.Generator, n: int, *, current: bool) -> pa.RecordBatch:
    arrays: list[pa.Array] = []
    for j in range(FEATURES):
        shift = DRIFTED.get(j, 0.0) if current else 0.0
        kind = feature_kind(j)
        loc = (j % 7) - 3.0
        if kind == "normal":
            x = rng.standard_normal(n, dtype=np.float32) * np.float32(1 + j % 3) + np.float32(loc + shift * (1 + j % 3))
            arrays.append(pa.array(x))
        elif kind == "lognormal":
            x = np.exp(rng.standard_normal(n, dtype=np.float32) * np.float32(0.8) + np.float32(3 + shift))
            arrays.append(pa.array(x.astype(np.float32)))
        elif kind == "count":
            lam = 2.0 + j % 4
            arrays.append(pa.array(rng.poisson(lam * (1 + shift), n).astype(np.int16)))
        elif kind == "age":
            x = np.clip(np.rint(rng.standard_normal(n, dtype=np.float32) * 12 + 42 + 12 * shift), 18, 90)
            arrays.append(pa.array(x.astype(np.int8)))
        else:
            x = rng.beta(2.0 + 2 * shift, 5.0, n).astype(np.float32)
            arrays.append(pa.array(np.round(x, 3).astype(np.float32)))
    return pa.RecordBatch.from_arrays(arrays, names=[f"f{j:02d}" for j in range(FEATURES)])


def _write(path: Path, kind: str, index: int, rows: int) -> str:
    part = {"evaluation": 0, "reference": 1, "current": 2}[kind]
    rng = np.random.default_rng([SEED, part, index])
    tmp = path.with_suffix(".tmp")
    writer: pq.ParquetWriter | None = None
    dictionary: list[str] | bool
    try:
        done = 0
        while done < rows:
            n = min(CHUNK, rows - done)
            if kind == "evaluation":
                batch = evaluation_chunk(rng, n)
                dictionary = ["sex", "race", "label"]
            else:
                batch = drift_chunk(rng, n, current=kind == "current")
                dictionary = [f"f{j:02d}" for j in range(FEATURES) if feature_kind(j) in ("count", "age", "rate")]
            if writer is None:
                writer = pq.ParquetWriter(tmp, batch.schema, compression="snappy", use_dictionary=dictionary)
            writer.write_batch(batch, row_group_size=CHUNK)
            done += n
    finally:
        if writer is not None:
            writer.close()
    tmp.rename(path)
    return str(path)


def ensure(directory: Path, kind: str, *, rows: int, files: int, jobs: int = 1) -> Path:
    """``directory`` holding ``rows`` rows of ``kind`` in ``files`` Parquet files (reused when present)."""
    manifest = {"kind": kind, "rows": rows, "files": files, "seed": SEED, "version": 1}
    marker = directory / "_manifest.json"
    if marker.exists() and json.loads(marker.read_text()) == manifest:
        return directory
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    per_file = [rows // files + (1 if i < rows % files else 0) for i in range(files)]
    tasks = [(directory / f"part-{i:05d}.parquet", kind, i, n) for i, n in enumerate(per_file)]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            list(pool.map(_write, *zip(*tasks, strict=True)))
    else:
        for task in tasks:
            _write(*task)
    marker.write_text(json.dumps(manifest))
    return directory


def ensure_all(root: Path, *, rows: int, files: int, drift_rows: int, jobs: int = 1) -> dict[str, Any]:
    return {
        "evaluation": ensure(root / "evaluation", "evaluation", rows=rows, files=files, jobs=jobs),
        "reference": ensure(root / "drift" / "reference", "reference", rows=drift_rows, files=files, jobs=jobs),
        "current": ensure(root / "drift" / "current", "current", rows=drift_rows, files=files, jobs=jobs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--drift-rows", type=int, default=50_000_000)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    for name, path in ensure_all(
        args.directory, rows=args.rows, files=args.files, drift_rows=args.drift_rows, jobs=args.jobs
    ).items():
        print(name, path, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
