"""A ledger writer process for the crash test: one transaction per append, ack after commit.

python _writer.py WORKSPACE DATABASE_URL|- WORKER COUNT

Even workers append in a ``Store.write()`` transaction with an idempotency key (the locking
path); odd workers with ``ledger.append_committed`` and no key (the compare-and-swap on a driver
connection, falling back to the locking path whenever another writer moved the head).
"""

import sys

from govern import ledger
from govern.workspace import Workspace

path, url, worker, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ws = Workspace.open(path, **({"database_url": url} if url != "-" else {}))
for i in range(count):
    if int(worker) % 2:
        ledger.append_committed(
            ws.store, actor=f"writer-{worker}", kind="evidence.added", payload={"worker": worker, "i": i}
        )
    else:
        with ws.store.write() as session:
            ledger.append(
                session,
                actor=f"writer-{worker}",
                kind="evidence.added",
                payload={"worker": worker, "i": i},
                idempotency_key=f"{worker}-{i}",
            )
    print(f"{worker}-{i}", flush=True)  # acknowledged only after the commit returned
