"""Lineage through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data"
OL = DATA / "openlineage"
RAW = "dataset:postgres://warehouse:5432/public.applications"
FEATURES = "dataset:postgres://warehouse:5432/public.features"
TRAIN_RUN = "run:9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a"


def ingest(cli, ws, *files: Path):
    return cli.run("lineage", "ingest", *map(str, files), env=ws.env)


def graph(cli, ws, ref: str, *flags: str) -> dict:
    result = cli.run("lineage", "show", ref, *flags, "--format", "json", env=ws.env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def snapshot(cli, ws) -> list[dict]:
    """Everything reachable downstream of the raw table: a cheap fingerprint of the database."""
    result = cli.run("lineage", "show", f"{RAW}@1", "--downstream", "--format", "json", env=ws.env)
    return json.loads(result.stdout) if result.returncode == 0 else [result.stderr]


@pytest.fixture
def populated(cli, workspace):
    files = [
        OL / "build_features.json",
        OL / "dedupe_applications.jsonl",
        OL / "train_model.json",
        DATA / "lineage_manifest.yaml",
    ]
    result = ingest(cli, workspace, *files)
    assert result.returncode == 0, result.stderr
    return workspace


def test_openlineage_events_build_the_expected_graph(cli, populated):
    up = graph(cli, populated, TRAIN_RUN)
    refs = {n["ref"] for n in up["nodes"]}
    assert refs == {
        TRAIN_RUN,
        f"{FEATURES}@1",
        f"{RAW}@1",
        "dataset:s3://bureau/scores/2024@1",
        "run:8d3f1a2e-5b6c-4d7e-8f90-a1b2c3d4e5f6",
    }
    by_ref = {n["ref"]: n for n in up["nodes"]}
    assert by_ref[f"{RAW}@1"]["license"] == "internal"
    assert by_ref[f"{RAW}@1"]["contains_pii"] is True
    assert by_ref["run:8d3f1a2e-5b6c-4d7e-8f90-a1b2c3d4e5f6"]["code_commit"] == "3f2a9c1"
    assert by_ref["run:8d3f1a2e-5b6c-4d7e-8f90-a1b2c3d4e5f6"]["author"] == "alice"


def test_reading_and_writing_one_table_makes_a_new_version_not_a_cycle(cli, populated):
    down = graph(cli, populated, f"{RAW}@1", "--downstream")
    edges = {(e["from"], e["to"], e["kind"]) for e in down["edges"]}
    dedupe = "run:1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    assert (f"{RAW}@1", dedupe, "consumed") in edges
    assert (dedupe, f"{RAW}@2", "produced") in edges
    # START and COMPLETE of one run name the same output once.
    assert sum(1 for e in edges if e[0] == dedupe) == 1


def test_same_events_twice_store_once(cli, populated):
    before = snapshot(cli, populated)
    result = ingest(cli, populated, OL / "build_features.json", OL / "dedupe_applications.jsonl")
    assert result.returncode == 0
    assert "already ingested" in result.stdout
    assert snapshot(cli, populated) == before


def test_impact_lists_models_downstream_with_stage(cli, populated):
    result = cli.run("lineage", "impact", "dataset:credit/applications", "--format", "json", env=populated.env)
    assert result.returncode == 0, result.stderr
    impacted = json.loads(result.stdout)
    assert [(m["ref"], m["stage"]) for m in impacted] == [("credit-risk@1", "none")]
    # A dataset with nothing downstream answers with an empty list, not an error.
    result = cli.run("lineage", "impact", "dataset:s3://bureau/scores/2024", env=populated.env)
    assert result.returncode == 0 and "no model version" in result.stdout


def test_tree_and_dot_formats(cli, populated):
    tree = cli.run("lineage", "show", "credit-risk@1", env=populated.env)
    assert tree.returncode == 0
    lines = tree.stdout.splitlines()
    assert lines[0].startswith("credit-risk@1 (model")
    assert any("run:train-42" in line for line in lines)
    assert "(see above)" in tree.stdout  # the dataset reached twice is printed once
    dot = cli.run("lineage", "show", "credit-risk@1", "--format", "dot", env=populated.env)
    assert dot.stdout.startswith("digraph lineage {")
    assert '"run:train-42" -> "credit-risk@1" [label="produced"];' in dot.stdout


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("malformed_runid_not_uuid.json", "event 1: $.run.runId"),
        ("malformed_missing_job_name.json", "event 0: $.job.name"),
        ("malformed_truncated.json", "malformed_truncated.json:1:"),
    ],
)
def test_malformed_event_is_located_and_stores_nothing(cli, populated, name, where):
    before = snapshot(cli, populated)
    result = ingest(cli, populated, OL / "train_model.json", OL / name)
    assert result.returncode == 2
    assert name in result.stderr and where in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(cli, populated) == before


def test_manifest_unknown_reference_is_rejected_with_line(cli, workspace, tmp_path):
    bad = tmp_path / "manifest_unknown_run.yaml"
    text = (DATA / "lineage_manifest.yaml").read_text().replace("run: train-42", "run: train-99")
    bad.write_text(text)
    result = ingest(cli, workspace, bad)
    assert result.returncode == 2
    assert "unknown_reference" in result.stderr and "no run run:train-99" in result.stderr
    line = next(
        i for i, text_line in enumerate(text.splitlines(), 1) if text_line.strip().startswith("- name: credit-risk")
    )
    assert f"{bad}:{line}:" in result.stderr
    # nothing from the rejected file was stored
    assert cli.run("lineage", "show", "dataset:credit/applications@1", env=workspace.env).returncode == 2


def test_manifest_cycle_is_rejected(cli, workspace, tmp_path):
    bad = tmp_path / "manifest_cycle.yaml"
    bad.write_text(
        "apiVersion: govern/v1\nkind: Lineage\n"
        "datasets:\n  - {name: a, version: '1'}\n"
        "runs:\n  - {id: r1, inputs: ['dataset:a@1'], outputs: ['dataset:a@1']}\n"
    )
    result = ingest(cli, workspace, bad)
    assert result.returncode == 2 and "lineage_cycle" in result.stderr


def test_manifest_unknown_key_is_rejected(cli, workspace, tmp_path):
    bad = tmp_path / "manifest_unknown_key.yaml"
    bad.write_text("apiVersion: govern/v1\nkind: Lineage\ndatasets:\n  - name: a\n    licence: MIT\n")
    result = ingest(cli, workspace, bad)
    assert result.returncode == 2
    assert f"{bad}:5:" in result.stderr and "$.datasets[0].licence" in result.stderr


def test_unknown_ref_and_not_initialized(cli, workspace, tmp_path):
    result = cli.run("lineage", "show", "nope@1", env=workspace.env)
    assert result.returncode == 2 and "not_found" in result.stderr
    env = dict(workspace.env, GOVERN_WORKSPACE=str(tmp_path / "elsewhere"))
    env.pop("GOVERN_DATABASE_URL", None)
    result = cli.run("lineage", "show", "nope@1", env=env)
    assert result.returncode == 2 and "workspace_not_initialized" in result.stderr


def test_manifest_components_of_an_llm_application(cli, workspace, tmp_path):
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        "apiVersion: govern/v1\nkind: Lineage\n"
        "components:\n"
        "  - {role: base_model, name: meta-llama/Llama-3.1-8B-Instruct, version: '2024-07-23',"
        " provider: self-hosted, digest: 'sha256:" + "ab" * 32 + "'}\n"
        "models:\n"
        "  - {name: faq-bot, version: '1', tags: {kind: llm},"
        " components: ['component:base_model/meta-llama/Llama-3.1-8B-Instruct@2024-07-23']}\n"
    )
    assert ingest(cli, workspace, manifest).returncode == 0
    base = "component:base_model/meta-llama/Llama-3.1-8B-Instruct@2024-07-23"
    shown = cli.run("lineage", "show", base, "--downstream", "--format", "json", env=workspace.env)
    assert shown.returncode == 0, shown.stderr
    nodes = {n["ref"]: n for n in json.loads(shown.stdout)["nodes"]}
    assert set(nodes) == {base, "faq-bot@1"}
    assert nodes[base]["role"] == "base_model" and nodes[base]["digest"].endswith("ab" * 32)
    flagged = cli.run(
        "lineage", "flag", base, "--reason", "snapshot withdrawn", "--as", "ci", "--format", "json", env=workspace.env
    )
    assert flagged.returncode == 0, flagged.stderr
    again = json.loads(cli.run("lineage", "show", base, "--format", "json", env=workspace.env).stdout)
    assert again["nodes"][0]["flagged"] == "snapshot withdrawn"

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: govern/v1\nkind: Lineage\nmodels:\n"
        "  - {name: faq-bot, version: '2', components: ['component:prompt/nope@1']}\n"
    )
    result = ingest(cli, workspace, bad)
    assert result.returncode == 2 and f"{bad}:4:" in result.stderr and "unknown_reference" in result.stderr
    role = tmp_path / "role.yaml"
    role.write_text(
        "apiVersion: govern/v1\nkind: Lineage\ncomponents:\n  - {role: embeddings, name: e, version: '1'}\n"
    )
    result = ingest(cli, workspace, role)
    assert result.returncode == 2 and "$.components[0].role" in result.stderr
