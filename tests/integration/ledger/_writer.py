"""A ledger writer process for the crash test: one transaction per append, ack after commit.

python _writer.py WORKSPACE DATABASE_URL|- WORKER COUNT
"""

import sys

from govern import ledger
from govern.workspace import Workspace

path, url, worker, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ws = Workspace.open(path, **({"database_url": url} if url != "-" else {}))
for i in range(count):
    with ws.store.write() as session:
        ledger.append(
            session,
            actor=f"writer-{worker}",
            kind="evidence.added",
            payload={"worker": worker, "i": i},
            idempotency_key=f"{worker}-{i}",
        )
    print(f"{worker}-{i}", flush=True)  # acknowledged only after the commit returned
