"""4 writer processes x 1,000 appends, random writers killed with SIGKILL mid-run.

Afterwards the chain verifies, sequence numbers have no gap, and every append a writer
acknowledged (printed after its commit returned) is in the ledger, once. Half the writers use
``ledger.append_committed`` (the compare-and-swap on a driver connection), half a
``Store.write()`` transaction with an idempotency key (the locking path). Runs on both backends.
(Two API replicas on PostgreSQL come with the API issue: same lock, same test shape.)
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from govern import ledger
from govern.workspace import Workspace

WRITERS, APPENDS = 4, 1000
WRITER = Path(__file__).with_name("_writer.py")


@pytest.mark.slow
def test_killed_writers_never_fork_or_lose_acknowledged_appends(ws: Workspace) -> None:
    rng = random.Random(20250101)
    url = ws.settings.database_url or "-"
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(Path(ledger.__file__).parents[2]), os.environ.get("PYTHONPATH")])),
    )
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), str(ws.settings.workspace), url, str(w), str(APPENDS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for w in range(WRITERS)
    ]
    victims = rng.sample(range(WRITERS), 2)
    deadline = time.monotonic() + 300
    for victim in victims:
        # Kill once the victim has been appending for a while (its acks are unread, so poll the db).
        time.sleep(rng.uniform(1.0, 3.0))
        os.kill(procs[victim].pid, signal.SIGKILL)
    acked: set[str] = set()
    for w, proc in enumerate(procs):
        out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        acked.update(out.split())
        if w not in victims:
            assert proc.returncode == 0, err
        else:
            assert proc.returncode in (0, -signal.SIGKILL)
    report = ledger.verify(ws.store)
    with ws.store.read() as session:
        appended = [f"{e.payload['worker']}-{e.payload['i']}" for e in ledger.iter_entries(session)]
        count = session.execute(sa.text("SELECT COUNT(*), MIN(seq), MAX(seq) FROM ledger_entry")).one()
    assert count == (report.size, 1, report.size)  # gap-free 1..N
    keys = set(appended)
    assert len(keys) == len(appended), "an append was written twice"
    assert acked <= keys, f"acknowledged but lost: {sorted(acked - keys)[:5]}"
    assert len(acked) >= (WRITERS - len(victims)) * APPENDS
