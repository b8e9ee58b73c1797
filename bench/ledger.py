"""Ledger benchmarks: each figure beside its anchor, measured in the same run, and the ratio.

    python bench/ledger.py [--appends 2000] [--verify 200000] [--proof-size 1000000] [--pg URL|none]
                            [--large N] [--no-proofs]

- durable appends/s (one transaction per entry, Merkle bookkeeping included) vs a bare INSERT of
  the same bytes into the same database (raw driver, one transaction per row), interleaved in
  blocks; SQLite (WAL, synchronous=FULL) and PostgreSQL. The headline is
  ``ledger.append_committed`` (an entry that is its own transaction); the line under it is
  ``ledger.append`` inside a ``Store.write()`` transaction, as a room appends with its state change;
  then the schema floor: the same statements on copies of the ledger's tables, raw driver, no
  Python work (what the append would cost if govern's own code were free);
- batched appends/s (1,000 entries per transaction);
- verification entries/s (reading from the database included), in one process and with the
  default worker processes, vs raw hashlib.sha256 over the same entry bytes (one process);
- with --large N: verification of N small entries in a fresh process, its time and peak memory;
- inclusion and consistency proof generation time at --proof-size entries.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govern import ledger
from govern.ledger import _verify as ledger_verify
from govern.workspace import Workspace

PAYLOAD_1K = {"digest": "sha256:" + "ab" * 32, "note": "x" * 900}


def _line(name: str, value: float, unit: str, anchor_name: str, anchor: float, goal: str = "") -> None:
    ratio = value / anchor if anchor else float("nan")
    print(f"{name:<44} {value:>12,.0f} {unit:<10} | {anchor_name:<34} {anchor:>12,.0f} | ratio {ratio:5.2f} {goal}")


# The ledger's two tables as govern/ledger/_tables.py declares them, under other names: the
# statements an append sends, with nothing computed in Python (the "schema floor").
_FLOOR_DDL = (
    "CREATE TABLE bench_floor_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash VARCHAR(64) NOT NULL,"
    " frontier TEXT NOT NULL)",
    "INSERT INTO bench_floor_head VALUES (1, 0, '', '')",
    "CREATE TABLE bench_floor_entry (seq {seq} PRIMARY KEY, kind VARCHAR(64) NOT NULL, time VARCHAR(32) NOT NULL,"
    " data {blob} NOT NULL, hash VARCHAR(64) NOT NULL, idempotency_key VARCHAR(256) UNIQUE)",
    "CREATE INDEX bench_floor_kind_seq ON bench_floor_entry (kind, seq)",
    "CREATE INDEX bench_floor_time ON bench_floor_entry (time)",
)
_FLOOR_HEAD = "UPDATE bench_floor_head SET seq = ?, hash = ?, frontier = ? WHERE id = 1 AND seq = ? AND hash = ?"
_FLOOR_ENTRY = "INSERT INTO bench_floor_entry VALUES (?, 'evidence.added', '2025-01-01T00:00:00.000000Z', ?, ?, NULL)"
_FLOOR_PG = (
    "WITH head AS (UPDATE bench_floor_head SET seq = %s, hash = %s, frontier = %s WHERE id = 1 AND seq = %s"
    " AND hash = %s RETURNING 1) INSERT INTO bench_floor_entry SELECT %s, 'evidence.added',"
    " '2025-01-01T00:00:00.000000Z', %s, %s, NULL FROM head"
)


def durable_rates(ws: Workspace, n: int, data: bytes, *, blocks: int = 10) -> tuple[float, float, float, float]:
    """Durable appends/s, one transaction per entry: ``ledger.append_committed`` (an event that is
    a transaction of its own) and ``ledger.append`` in a ``Store.write()`` transaction (how a room
    appends with its state change); the anchor, a bare INSERT + COMMIT of the same bytes with the
    raw driver on the same database (one transaction per row); and the schema floor, the append's
    own statements on copies of the ledger's tables, raw driver, values precomputed. Interleaved
    in ``blocks`` so all four see the same fsync latency and machine load."""
    sqlite = ws.store.dialect == "sqlite"
    raw = ws.store.engine.raw_connection()
    floor_raw = ws.store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("CREATE TABLE IF NOT EXISTS bench_bare (seq BIGINT PRIMARY KEY, data TEXT NOT NULL)")
        for ddl in _FLOOR_DDL:
            cur.execute(ddl.format(seq="INTEGER" if sqlite else "BIGINT", blob="BLOB" if sqlite else "BYTEA"))
        if not sqlite:
            raw.commit()
            floor_raw.driver_connection.autocommit = True  # as append_committed sends it: one statement
        fcur = floor_raw.cursor()
        mark = "?" if sqlite else "%s"
        insert = f"INSERT INTO bench_bare (seq, data) VALUES ({mark}, {mark})"
        text = data.decode()
        frontier = ",".join(hashlib.sha256(b"%d" % i).hexdigest() for i in range(11))  # ~2,000 entries
        bare = committed = append = floor = 0.0
        prev = ""
        done = 0
        for b in range(blocks):
            m = n * (b + 1) // blocks - done
            start = time.perf_counter()
            for i in range(done, done + m):
                if sqlite:
                    cur.execute("BEGIN IMMEDIATE")
                cur.execute(insert, (i, text))
                if sqlite:
                    cur.execute("COMMIT")
                else:
                    raw.commit()
            bare += time.perf_counter() - start
            start = time.perf_counter()
            for i in range(done, done + m):
                with ws.store.write() as session:
                    ledger.append(session, actor="bench", kind="evidence.added", payload=dict(PAYLOAD_1K, i=i))
            append += time.perf_counter() - start
            start = time.perf_counter()
            for i in range(done, done + m):
                ledger.append_committed(ws.store, actor="bench", kind="evidence.added", payload=dict(PAYLOAD_1K, i=i))
            committed += time.perf_counter() - start
            start = time.perf_counter()
            for i in range(done, done + m):
                digest = f"{i:064x}"
                if sqlite:
                    fcur.execute("BEGIN IMMEDIATE")
                    fcur.execute(_FLOOR_HEAD, (i + 1, digest, frontier, i, prev))
                    fcur.execute(_FLOOR_ENTRY, (i + 1, data, digest))
                    fcur.execute("COMMIT")
                else:
                    fcur.execute(_FLOOR_PG, (i + 1, digest, frontier, i, prev, i + 1, data, digest))
                prev = digest
            floor += time.perf_counter() - start
            done += m
        return n / committed, n / append, n / bare, n / floor
    finally:
        if not sqlite:
            floor_raw.driver_connection.autocommit = False  # never pool a connection in autocommit
        floor_raw.close()
        raw.close()


def batched_append_rate(ws: Workspace, n: int, *, batch: int = 1000, payload: dict[str, object] = PAYLOAD_1K) -> float:
    start = time.perf_counter()
    for lo in range(0, n, batch):
        with ws.store.write() as session:
            ledger.append_batch(
                session,
                [ledger.Event("bench", "evidence.added", dict(payload, i=i)) for i in range(lo, min(n, lo + batch))],
            )
    return n / (time.perf_counter() - start)


def verify_rates(ws: Workspace, tmp: Path) -> tuple[float, float, float, int, int]:
    """Verification entries/s in this process and with the default worker processes, and the
    anchor (hashlib over the exported entry bytes), interleaved, best of 3 each."""
    path = tmp / "export.jsonl"
    ledger.export(ws.store, path)
    lines = path.read_bytes().splitlines()
    sha256 = hashlib.sha256
    single = parallel = hash_rate = 0.0
    workers = 1
    # Interleaved, best of 3: the machine is shared, so all figures see the same conditions.
    for _ in range(3):
        start = time.perf_counter()
        report = ledger.verify(ws.store, workers=1)
        single = max(single, report.size / (time.perf_counter() - start))
        start = time.perf_counter()
        report = ledger.verify(ws.store)
        parallel = max(parallel, report.size / (time.perf_counter() - start))
        start = time.perf_counter()
        for line in lines:
            sha256(line).digest()
        hash_rate = max(hash_rate, len(lines) / (time.perf_counter() - start))
    if report.size >= ledger_verify.PARALLEL_MIN:
        workers = ledger_verify._cpus()
    return single, parallel, hash_rate, sum(map(len, lines)) // len(lines), workers


def large_verify(ws: Workspace, n: int) -> None:
    """Fill to ``n`` small entries, then verify in a fresh process: time and peak memory."""
    with ws.store.read() as session:
        have = ledger.read_head(session).seq
    if have < n:
        start = time.perf_counter()
        batched_append_rate(ws, n - have, batch=20_000, payload={"d": "sha256:" + "cd" * 32})
        print(f"filled {n - have:,} entries in {time.perf_counter() - start:,.0f} s")
    code = (
        "import json, resource, sys, time; sys.path.insert(0, sys.argv[1]);"
        "from govern import ledger; from govern.store import Store; store = Store(sys.argv[2]);"
        "t = time.perf_counter(); r = ledger.verify(store); t = time.perf_counter() - t;"
        "self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
        "child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
        "print(json.dumps({'size': r.size, 'seconds': t, 'self_mb': self_kb / 1024, 'worker_mb': child_kb / 1024}))"
    )
    url = ws.store.engine.url.render_as_string(hide_password=False).replace("+psycopg", "")
    out = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).resolve().parents[1]), url],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout)
    print(
        f"{'verify ' + format(result['size'], ',') + ' entries (fresh process)':<44} {result['seconds']:>12,.1f} s"
        f"          | {result['size'] / result['seconds']:,.0f} entries/s; peak RSS coordinator "
        f"{result['self_mb']:,.0f} MB, largest worker {result['worker_mb']:,.0f} MB"
    )


def proof_times(ws: Workspace, size: int) -> tuple[float, float]:
    with ws.store.read() as session:
        head = ledger.read_head(session).seq
    if head < size:
        batched_append_rate(ws, size - head, batch=20_000, payload={"d": "sha256:" + "cd" * 32})
    cp = ledger.create_checkpoint(ws.store, ws.settings)
    inclusion, consistency = [], []
    for seq in (1, size // 3, size // 2 + 7, size - 1, size):
        with ws.store.read() as session:
            start = time.perf_counter()
            ledger.prove_inclusion(session, seq, checkpoint=cp)
            inclusion.append(time.perf_counter() - start)
            start = time.perf_counter()
            ledger.prove_consistency(session, max(1, seq - 12345), cp.size)
            consistency.append(time.perf_counter() - start)
    return statistics.median(inclusion) * 1000, statistics.median(consistency) * 1000


def _pg_database(url: str) -> tuple[str, object] | None:
    try:
        import psycopg

        admin = psycopg.connect(url, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL skipped: {exc}")
        return None
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    return f"{url.rsplit('/', 1)[0]}/{name}", (admin, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--batched", type=int, default=50_000)
    parser.add_argument("--verify", type=int, default=200_000)
    parser.add_argument("--proof-size", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--large", type=int, default=0, help="also verify a ledger of this many entries")
    parser.add_argument("--no-proofs", action="store_true")
    args = parser.parse_args()
    entry = ledger.entry_bytes(
        1,
        "2025-01-01T00:00:00.000000Z",
        "bench",
        "evidence.added",
        __import__("govern.core", fromlist=["x"]).canonical_json(dict(PAYLOAD_1K, i=1)).decode(),
        ledger.GENESIS,
    )
    backends: list[tuple[str, str | None]] = [("sqlite", None)]
    pg = _pg_database(args.pg) if args.pg != "none" else None
    if pg:
        backends.append(("postgresql", pg[0]))
    try:
        with tempfile.TemporaryDirectory() as tmp_dir:
            for name, url in backends:
                tmp = Path(tmp_dir) / name
                with Workspace.init(tmp / ".govern", database_url=url) as ws:
                    print(f"--- {name} ({len(entry)}-byte entries)")
                    durable, in_session, bare, floor = durable_rates(ws, args.appends, entry)
                    _line(
                        "durable appends/s (1 tx per entry)",
                        durable,
                        "entries/s",
                        "bare INSERT+COMMIT of same bytes",
                        bare,
                        "(goal >= 0.80)",
                    )
                    _line(
                        "  the same in Store.write() (with a room)",
                        in_session,
                        "entries/s",
                        "bare INSERT+COMMIT of same bytes",
                        bare,
                    )
                    _line(
                        "  schema floor: its statements, raw driver",
                        floor,
                        "entries/s",
                        "bare INSERT+COMMIT of same bytes",
                        bare,
                    )
                    _line(
                        "batched appends/s (1,000 per tx)",
                        batched_append_rate(ws, args.batched),
                        "entries/s",
                        "bare INSERT+COMMIT of same bytes",
                        bare,
                    )
                    with ws.store.read() as session:
                        have = ledger.read_head(session).seq
                    if have < args.verify:
                        batched_append_rate(ws, args.verify - have)
                    single, parallel, hash_rate, size, workers = verify_rates(ws, tmp)
                    _line(
                        "verify entries/s, 1 process (db read incl.)",
                        single,
                        "entries/s",
                        f"hashlib.sha256 of the {size}-byte entries",
                        hash_rate,
                    )
                    _line(
                        f"verify entries/s, default ({workers} process{'es' if workers > 1 else ''})",
                        parallel,
                        "entries/s",
                        f"hashlib.sha256 of the {size}-byte entries",
                        hash_rate,
                        "(goal >= 0.50)",
                    )
                    if args.large:
                        large_verify(ws, args.large)
                if args.no_proofs:
                    continue
                with Workspace.init(tmp / "proofs", database_url=None if url is None else _fresh(pg, url)) as ws:
                    incl, cons = proof_times(ws, args.proof_size)
                    print(
                        f"{'inclusion proof at ' + format(args.proof_size, ',') + ' entries':<44} {incl:>12.2f} ms         (goal < 5 ms)"
                    )
                    print(f"{'consistency proof at ' + format(args.proof_size, ',') + ' entries':<44} {cons:>12.2f} ms")
    finally:
        if pg:
            admin, name = pg[1]  # type: ignore[misc]
            for db in [name, *_CREATED]:
                admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')  # type: ignore[attr-defined]


_CREATED: list[str] = []


def _fresh(pg: tuple[str, object] | None, url: str) -> str:
    assert pg is not None
    admin, _ = pg[1]  # type: ignore[misc]
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    _CREATED.append(name)
    return f"{url.rsplit('/', 1)[0]}/{name}"


if __name__ == "__main__":
    main()
