"""Approval API benchmarks over real HTTP on loopback; each figure beside its anchor and the ratio.

    python bench/api.py [--rates 50,100,200] [--seconds 5] [--workers 2] [--pg ADMIN_URL|none] [--quick]

- approvals at a fixed offered rate (open loop, default 200 requests/s for 10 s) sent by a second
  process against a real ``govern serve``: achieved rate, median and p99 latency (goal: p99 under
  50 ms at 200/s) vs the same vote made in-process through the library (``decisions.vote``) and vs
  ``GET /healthz`` (the HTTP floor: uvicorn, one DB round trip);
- approval throughput with 16 concurrent clients (closed loop);
- gate over HTTP (the demo's logistic regression, shipped packs) vs the same gate in-process.

Every vote is a real, distinct approval (one approver, one request), ledgered, rate-limited and
checked for separation of duties. SQLite (WAL, synchronous=FULL) and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PACK = {
    "pack.yaml": "apiVersion: govern/v1\nkind: Pack\nmetadata: {name: bench, version: '1.0.0'}\n",
    "tiering.yaml": "apiVersion: govern/v1\nkind: Tiering\nmetadata: {name: bench-tiers}\nspec:\n  default: high\n",
    "approvals.yaml": (
        "apiVersion: govern/v1\nkind: Approvals\nmetadata: {name: bench-oversight}\nspec:\n"
        "  tiers:\n    high: {roles: [risk_officer, validator], count: 2, expiresAfter: 30d}\n"
    ),
    "policy.yaml": (
        "apiVersion: govern/v1\nkind: Policy\nmetadata: {name: review, controls: [eu-ai-act/art-14]}\n"
        "spec:\n  gates: [promote]\n  rules:\n    - id: always-review\n      check: documentation\n"
        "      require: 'value > 2.0'\n      onFail: review\n"
    ),
}


# -- the load generator (runs in its own process) ----------------------------------------------


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "n": len(ordered),
    }


async def _load(url: str, jobs: list[dict[str, str]], *, rate: float | None, concurrency: int) -> dict[str, Any]:
    """Open loop (``rate`` per second, one task per request) or closed loop (``concurrency`` workers)."""
    import httpx

    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        latencies: list[float] = []
        statuses: dict[int, int] = {}

        async def one(job: dict[str, str]) -> None:
            t0 = time.perf_counter()
            try:
                if job["path"] == "/healthz":
                    response = await client.get("/healthz")
                else:
                    response = await client.post(
                        job["path"],
                        json={"justification": "benchmark review"},
                        headers={"Authorization": f"Bearer {job['token']}"},
                    )
                status = response.status_code
            except httpx.HTTPError:  # overloaded: a timeout or refused connection counts as status 0
                status = 0
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

        start = time.perf_counter()
        if rate:
            tasks = []
            for i, job in enumerate(jobs):
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(job)))
            await asyncio.gather(*tasks)
        else:
            queue = list(reversed(jobs))

            async def worker() -> None:
                while queue:
                    await one(queue.pop())

            await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {**_percentiles(latencies), "rate": len(jobs) / elapsed, "statuses": statuses}


def _run_load(
    url: str, jobs: list[dict[str, str]], *, rate: float | None = None, concurrency: int = 16
) -> dict[str, Any]:
    """Run :func:`_load` in a second process (the server must not share the client's CPU time slice)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(jobs, fh)
    try:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--load",
                url,
                "--jobs",
                fh.name,
                "--rate",
                str(rate or 0),
                "--concurrency",
                str(concurrency),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        Path(fh.name).unlink()
    return json.loads(out.stdout)  # type: ignore[no-any-return]


# -- set-up ------------------------------------------------------------------------------------


class Server:
    def __init__(self, workspace: Path, env: dict[str, str], *, workers: int = 1) -> None:
        import socket

        import httpx

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        exe = shutil.which("govern", path=str(Path(sys.executable).parent))
        cmd = [exe] if exe else [sys.executable, "-m", "govern"]
        self.proc = subprocess.Popen(
            [*cmd, "serve", "--port", str(self.port), "--workspace", str(workspace), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("govern serve did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def _env(database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    env["GOVERN_APPROVAL_RATE_LIMIT"] = "100000000"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if database_url:
        env["GOVERN_DATABASE_URL"] = database_url
    return env


def approvals_workspace(
    root: Path, database_url: str | None, *, requests: int, approvers: int
) -> tuple[Any, list[str], dict[str, str]]:
    """``requests`` pending approval requests and ``approvers`` reviewer tokens (+2 for the anchor)."""
    from govern.demo import demo_card
    from govern.lineage import ModelSpec
    from govern.workspace import Workspace

    pack = root / "pack"
    pack.mkdir(parents=True)
    for name, text in PACK.items():
        (pack / name).write_text(text, encoding="utf-8")
    overrides: dict[str, Any] = {"policy_paths": [str(pack)]}
    if database_url:
        overrides["database_url"] = database_url
    ws = Workspace.init(root / ".govern", **overrides)
    (root / ".govern" / "govern.toml").write_text(f'[govern]\npolicy_paths = ["{pack}"]\n', encoding="utf-8")
    ws.actor = "ci-bot"
    tokens = {f"r{i}": ws.create_token(f"r{i}", "risk_officer")[0] for i in range(approvers)}
    for name in ("lib0", "lib1"):
        ws.create_token(name, "risk_officer")
    ids = []
    card = demo_card("credit-risk-lr", "1")
    for i in range(requests):
        ws.register_model(ModelSpec(name=f"m{i}", version="1", owner="owner", card=card))
        decision = ws.gate_promote(f"m{i}@1", "production")
        ids.append(decision.approval["request"])
    return ws, ids, tokens


def library_votes(ws: Any, request_ids: list[str]) -> dict[str, float]:
    """The anchor: the same approval through the library, in-process."""
    from govern.decisions import vote
    from govern.identity import Principal

    samples = []
    for name in ("lib0", "lib1"):
        principal = Principal(name, "risk_officer")
        for rid in request_ids:
            t0 = time.perf_counter()
            vote(ws.context, rid, principal, "approve", "benchmark review")
            samples.append((time.perf_counter() - t0) * 1000)
    return _percentiles(samples)


def _line(name: str, value: float, unit: str, anchor_name: str, anchor: float, goal: str = "") -> None:
    ratio = value / anchor if anchor else float("nan")
    print(f"{name:<40} {value:>9,.1f} {unit:<8} | {anchor_name:<32} {anchor:>9,.1f} | ratio {ratio:6.2f} {goal}")


def bench_approvals(
    label: str, root: Path, database_url: str | None, *, rates: list[float], seconds: float, workers: int
) -> None:
    approvers = 40
    open_jobs = [int(rate * seconds) for rate in rates]
    closed_jobs = int(max(rates) * seconds)
    warm = 40 if max(rates) < 50 else 200  # a fresh server's first requests open connections, fill caches
    requests = max(10, -(-(warm + sum(open_jobs) + closed_jobs) // approvers))
    t0 = time.perf_counter()
    ws, ids, tokens = approvals_workspace(root, database_url, requests=requests, approvers=approvers)
    print(
        f"[{label}] set-up: {requests} pending requests, {approvers} approvers in {time.perf_counter() - t0:.1f}s; "
        f"govern serve --workers {workers}"
    )
    anchor = library_votes(ws, ids[: min(len(ids), 100)])
    pairs = [{"path": f"/v1/approvals/{rid}/approve", "token": token} for token in tokens.values() for rid in ids]
    server = Server(root / ".govern", _env(database_url), workers=workers)
    results = []
    try:
        cold = _run_load(server.url, pairs[:warm], concurrency=16)
        floor = _run_load(server.url, [{"path": "/healthz"}] * int(max(rates) * seconds), rate=max(rates))
        used = warm
        for rate, n in zip(rates, open_jobs, strict=True):
            results.append((rate, _run_load(server.url, pairs[used : used + n], rate=rate)))
            used += n
        closed = _run_load(server.url, pairs[used : used + closed_jobs], concurrency=16)
    finally:
        server.stop()
        ws.close()
    print(
        f"[{label}] warm-up (not in the figures below): {warm} approvals by 16 clients, "
        f"median {cold['median_ms']:.0f} ms, p99 {cold['p99_ms']:.0f} ms"
    )
    for rate, r in results:
        bad = {k: v for k, v in r["statuses"].items() if k != "200"}
        goal = ("goal p99 < 50 ms: " + ("met" if r["p99_ms"] < 50 else "MISSED")) if rate >= 200 else ""
        print(
            f"[{label}] offered {rate:.0f}/s for {seconds:.0f}s: achieved {r['rate']:.0f}/s; non-200: {bad or 'none'}"
        )
        _line(
            f"[{label}] HTTP approve median @ {rate:.0f}/s",
            r["median_ms"],
            "ms",
            "library vote median",
            anchor["median_ms"],
        )
        _line(
            f"[{label}] HTTP approve p99 @ {rate:.0f}/s", r["p99_ms"], "ms", "library vote p99", anchor["p99_ms"], goal
        )
    _line(
        f"[{label}] GET /healthz p99 @ {max(rates):.0f}/s", floor["p99_ms"], "ms", "library vote p99", anchor["p99_ms"]
    )
    _line(
        f"[{label}] approvals/s, 16 clients",
        closed["rate"],
        "req/s",
        "library votes/s, 1 thread",
        1000 / anchor["median_ms"],
    )
    print(f"[{label}] approvals p99 with 16 clients: {closed['p99_ms']:.1f} ms")


def bench_gate(root: Path) -> None:
    from govern.demo import build, populate
    from govern.workspace import Workspace

    ws = Workspace.init(root / ".govern")
    ws.actor = "ci-bot"
    populate(ws, build(root / "files", small=True))
    token = ws.create_token("ci-bot", "ci")[0]
    ref, n = "credit-risk-lr@1", 20
    local = []
    for _ in range(n):
        t0 = time.perf_counter()
        ws.gate_promote(ref, "staging")
        local.append((time.perf_counter() - t0) * 1000)
    server = Server(root / ".govern", _env(None))
    try:
        import httpx

        remote = []
        with httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
            client.post(f"/v1/models/{ref}/gates/promote", json={"target": "staging"})  # the server's first
            for _ in range(n):
                t0 = time.perf_counter()
                client.post(f"/v1/models/{ref}/gates/promote", json={"target": "staging"}).raise_for_status()
                remote.append((time.perf_counter() - t0) * 1000)
    finally:
        server.stop()
        ws.close()
    a, b = _percentiles(remote), _percentiles(local)
    _line("[sqlite] gate over HTTP median", a["median_ms"], "ms", "same gate in-process median", b["median_ms"])
    _line("[sqlite] gate over HTTP p99", a["p99_ms"], "ms", "same gate in-process p99", b["p99_ms"])


def _pg_database(admin_url: str) -> tuple[str, Any]:
    import psycopg

    name = f"govern_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(admin_url, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return f"{base}/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="50,100,200", help="offered approval rates per second")
    parser.add_argument("--seconds", type=float, default=5.0, help="per offered rate")
    parser.add_argument("--workers", type=int, default=2, help="govern serve --workers")
    parser.add_argument("--rate", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test", help="admin URL or 'none'")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, default=16, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:  # the load-generating second process
        jobs = json.loads(Path(args.jobs).read_text())
        result = asyncio.run(_load(args.load, jobs, rate=args.rate or None, concurrency=args.concurrency))
        print(json.dumps({**result, "statuses": {str(k): v for k, v in result["statuses"].items()}}))
        return
    rates = [float(r) for r in args.rates.split(",")]
    if args.quick:
        rates, args.seconds, args.workers = [20.0], 1.0, 1
    print(f"cpus: {os.cpu_count()}, load average (other work on the machine): {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="govern-bench-api-") as tmp:
        kw = {"rates": rates, "seconds": args.seconds, "workers": args.workers}
        bench_approvals("sqlite", Path(tmp) / "sqlite", None, **kw)
        if args.pg != "none":
            url, drop = _pg_database(args.pg)
            try:
                bench_approvals("postgresql", Path(tmp) / "pg", url, **kw)
            finally:
                drop()
        if not args.quick:
            bench_gate(Path(tmp) / "gate")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
