"""`govern evidence gc`: blobs the ledger names are kept for the documentation retention (ten
years by default, EU AI Act Art. 18) after their last entry; deleting one earlier is refused with
the reason; unreferenced blobs go (after a day's grace); the deletion is ledgered. SQLite and
PostgreSQL, through the real console script and the test clock."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any


def _store(blob_dir: Path, data: bytes, *, age_seconds: float) -> str:
    hexdigest = hashlib.sha256(data).hexdigest()
    path = blob_dir / "sha256" / hexdigest[:2] / hexdigest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return "sha256:" + hexdigest


def test_gc_keeps_referenced_blobs_for_ten_years(cli: Any, inc: Any) -> None:
    ws = inc.ws
    blobs = ws.path / "blobs"
    evidence = "sha256:" + hashlib.sha256((ws.files / "reference.csv").read_bytes()).hexdigest()
    old_orphan = _store(blobs, b"left behind by a failed upload", age_seconds=2 * 86400)
    new_orphan = _store(blobs, b"about to be ledgered", age_seconds=60)

    def run(*args: str, person: str | None = None, at: Any = None, extra: dict[str, str] | None = None) -> Any:
        env = {**ws.env, **inc.clock(at or inc.t0), **(extra or {})}
        if person:
            env["GOVERN_TOKEN"] = ws.tokens[person]
        return cli.run("evidence", "gc", *args, env=env, cwd=inc.root)

    dry = run("--format", "json")
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["applied"] is False and plan["removed"] == [old_orphan]
    kept = {k["digest"]: k for k in plan["kept"]}
    assert set(kept) == {evidence, new_orphan}
    assert kept[evidence]["kind"] == "evidence.added" and "Art. 18" in kept[evidence]["reason"]
    assert kept[evidence]["until"] > (inc.t0 + timedelta(days=3652)).isoformat()

    refused = run("--digest", evidence, "--apply", person="root")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "evidence_retention_active" in refused.stderr and "ledger entry" in refused.stderr
    assert (blobs / "sha256" / evidence[7:9] / evidence[7:]).is_file()

    not_admin = run("--apply", person="alice")
    assert not_admin.returncode == 2 and "role_not_allowed" in not_admin.stderr

    applied = run("--apply", "--format", "json", person="root")
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout)["removed"] == [old_orphan]
    assert not (blobs / "sha256" / old_orphan[7:9] / old_orphan[7:]).exists()
    assert (blobs / "sha256" / evidence[7:9] / evidence[7:]).is_file()

    # Ten years and a day after the evidence was ledgered, its retention has ended.
    later = inc.t0 + timedelta(days=3654)
    gone = run("--digest", evidence, "--apply", "--format", "json", person="root", at=later)
    assert gone.returncode == 0, gone.stderr
    assert json.loads(gone.stdout)["removed"] == [evidence]

    env = {**ws.env, **inc.clock(later)}
    log = json.loads(cli.run("audit", "log", "--kind", "evidence.collected", "--format", "json", env=env).stdout)
    assert [e["payload"]["removed"] for e in log] == [[old_orphan], [evidence]]
    assert all(e["actor"] == "root" and e["payload"]["retention_days"] == 3653 for e in log)
    assert cli.run("audit", "verify", env=env).returncode == 0


def test_retention_below_the_regulatory_minimum_is_refused(cli: Any, inc: Any) -> None:
    for name in ("GOVERN_DOCUMENTATION_RETENTION_DAYS", "GOVERN_LOG_RETENTION_DAYS"):
        result = cli.run("evidence", "gc", env={**inc.ws.env, name: "30"}, cwd=inc.root)
        assert result.returncode == 2 and "settings_error" in result.stderr, result.stderr
        assert "retention_days" in result.stderr
