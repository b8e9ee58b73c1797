"""Lineage at scale: ingest rate and query latency on a 1,000,000-node, ~3,000,000-edge graph.

    python bench/lineage.py [--nodes 1000000] [--backend sqlite|postgresql|both]

Graph shape (seeded): 20% raw dataset versions; 20% feature versions, each derived from 2-3
datasets; 30% training runs, each consuming 7 features or datasets; 30% model versions, each
produced by one run. Queries: the upstream subgraph of random models, the models downstream
(impact) of random datasets, through the same library functions the CLI uses. Anchor: a
single-row primary-key SELECT on the same database (the floor any query pays).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from _common import latencies, save, timed
from _pages import stamp_if_page

from govern.core import Ref
from govern.lineage import bulk_load, impact, subgraph
from govern.store import Store

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def build(n: int, seed: int = 7) -> tuple[list, list]:
    rng = random.Random(seed)
    n_ds, n_ft, n_run = int(n * 0.2), int(n * 0.2), int(n * 0.3)
    n_model = n - n_ds - n_ft - n_run
    nodes: list = [("dataset", f"ds{i % (n_ds // 4)}", str(i // (n_ds // 4) + 1)) for i in range(n_ds)]
    nodes += [("feature", f"ft{i}", "1") for i in range(n_ft)]
    nodes += [("run", f"run-{i}", None) for i in range(n_run)]
    nodes += [("model", f"m{i % (n_model // 3)}", str(i // (n_model // 3) + 1)) for i in range(n_model)]
    edges = []
    for f in range(n_ft):
        for d in rng.sample(range(n_ds), rng.choice((2, 3))):
            edges.append((d, n_ds + f, "derived_from"))
    for r in range(n_run):
        for src in rng.sample(range(n_ds + n_ft), 7):
            edges.append((src, n_ds + n_ft + r, "consumed"))
    for m in range(n_model):
        edges.append((n_ds + n_ft + (m % n_run), n_ds + n_ft + n_run + m, "produced"))
    return nodes, edges


def run_backend(url: str, nodes: list, edges: list, queries: int) -> dict:
    store = Store(url)
    store.migrate()
    elapsed, ids = timed(lambda: _load(store, nodes, edges))
    rng = random.Random(1)
    models = [nodes[i] for i in rng.sample([i for i, n in enumerate(nodes) if n[0] == "model"], queries)]
    datasets = [nodes[i] for i in rng.sample([i for i, n in enumerate(nodes) if n[0] == "dataset"], queries)]
    with store.read() as s:
        if store.dialect == "postgresql":
            s.execute(sa.text("ANALYZE"))
        node_t = sa.table("node", sa.column("id"))
        anchor = latencies(
            lambda i: s.execute(sa.select(node_t.c.id).where(node_t.c.id == i)).first(),
            [ids[rng.randrange(len(ids))] for _ in range(queries)],
        )
        up = latencies(lambda m: subgraph(s, Ref("model", m[1], m[2]), "upstream"), models)
        imp = latencies(lambda d: impact(s, Ref("dataset", d[1], d[2])), datasets)
        sizes = [len(subgraph(s, Ref("model", m[1], m[2]), "upstream").nodes) for m in models[:20]]
    store.dispose()
    return {
        "ingest_s": elapsed,
        "nodes_per_s": len(nodes) / elapsed,
        "edges_per_s": len(edges) / elapsed,
        "anchor_pk_select": anchor,
        "upstream_model": up,
        "impact_dataset": imp,
        "mean_upstream_nodes": sum(sizes) / len(sizes),
    }


def _load(store: Store, nodes: list, edges: list) -> list[int]:
    with store.write() as s:
        return bulk_load(s, nodes, edges, actor="bench")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    nodes, edges = build(args.nodes)
    print(f"graph: {len(nodes):,} nodes, {len(edges):,} edges")
    results: dict = {"nodes": len(nodes), "edges": len(edges), "backends": {}}
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "sqlite":
            tmp = tempfile.mkdtemp()
            res = run_backend(f"sqlite:///{tmp}/bench.db", nodes, edges, args.queries)
        else:
            import psycopg

            name = f"govern_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            try:
                res = run_backend(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", nodes, edges, args.queries)
            finally:
                with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        results["backends"][backend] = res
        a = res["anchor_pk_select"]["median_ms"]
        print(
            f"[{backend}] ingest {res['nodes_per_s']:,.0f} nodes/s ({res['edges_per_s']:,.0f} edges/s, {res['ingest_s']:.1f} s)"
        )
        print(f"[{backend}] anchor: primary-key select median {a:.3f} ms")
        for key, label in (("upstream_model", "upstream(model)"), ("impact_dataset", "impact(dataset)")):
            q = res[key]
            print(
                f"[{backend}] {label}: median {q['median_ms']:.2f} ms, p99 {q['p99_ms']:.2f} ms "
                f"({q['median_ms'] / a:.0f}x anchor; goal median < 50 ms)"
            )
    print(f"results: {save('lineage', results)}")
    write_markdown(results)


def write_markdown(results: dict) -> None:
    """docs/benchmarks-lineage.md from this run (bench/run_all.py folds it into benchmarks.md)."""
    rows = []
    for backend, r in results["backends"].items():
        a = r["anchor_pk_select"]["median_ms"]
        rows.append(
            f"| {backend} | ingest (bulk) | {r['nodes_per_s']:,.0f} nodes/s, {r['edges_per_s']:,.0f} edges/s "
            f"({r['ingest_s']:.1f} s) | - | - |"
        )
        for key, label in (("upstream_model", "upstream of a model"), ("impact_dataset", "impact of a dataset")):
            q = r[key]
            rows.append(
                f"| {backend} | {label} | median {q['median_ms']:.2f} ms, p99 {q['p99_ms']:.2f} ms | "
                f"primary-key select {a:.3f} ms | {q['median_ms'] / a:.0f}x anchor; goal median < 50 ms |"
            )
    text = (
        "# Benchmarks: lineage\n\n"
        f"`python bench/lineage.py --nodes {results['nodes']}`: a synthetic graph of {results['nodes']:,} nodes and "
        f"{results['edges']:,} edges (20% dataset versions, 20% features, 30% runs, 30% models), loaded with "
        "`govern.lineage.bulk_load`, queried through the same functions as the CLI (recursive SQL).\n\n"
        "| backend | measure | govern | anchor (same run) | ratio / goal |\n|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )
    written = Path(__file__).resolve().parents[1] / "docs" / "benchmarks-lineage.md"
    written.write_text(text, encoding="utf-8")
    stamp_if_page("lineage", written)


if __name__ == "__main__":
    main()
