"""`govern demo` end to end: the real command, a real server, real files."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_demo_runs_and_leaves_its_evidence(cli, tmp_path):
    result = cli.run("demo", "--dir", str(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "credit-risk-gbm@1 -> production: DENY (exit 1)" in out
    assert "FAIL eu-ai-act/demographic-parity" in out
    assert "PENDING_APPROVAL" in out and "HTTP 403 sod_owner_conflict" in out
    assert "credit-risk-lr@1 is now in production" in out
    assert "RETRAIN (exit 4)" in out
    assert "credit-risk-lr@2 (retrained): allow" in out
    assert "initial report due within 15 days" in out
    assert "gate while it is open: DENY: open incident(s) inc_" in out
    assert "incident closed by ravi" in out and "validation finding fnd_" in out
    assert "a run every 30 days" in out and "without one it is OVERDUE" in out and "monitoring window" in out
    assert "EU AI Act Annex IV technical documentation (" in out
    demo = tmp_path / "govern-demo"
    for name in ("checkpoint.txt", "inclusion-proof.json", "public-keys.txt"):
        assert (demo / "audit" / name).stat().st_size > 0
    for pdf in ("credit-risk-lr-2.pdf", "period.pdf", "credit-risk-lr-2-annex-iv.pdf"):
        assert (demo / "reports" / pdf).read_bytes()[:5] == b"%PDF-"
    assert "the model report's attachments verified with no database: exit 0" in out
    env = {"GOVERN_WORKSPACE": str(demo / ".govern"), "PATH": __import__("os").environ["PATH"]}
    verified = cli.run("audit", "verify", "--checkpoint", str(demo / "audit" / "checkpoint.txt"), env=env)
    assert verified.returncode == 0, verified.stderr
