"""Every mutation of a proof govern's database produced is refused, at sizes 1, 2, 7, 16, 21, 256, 300, 511.

The same mutations as the shipped vectors (scripts/gen_proof_vectors.py), applied to proofs from
``prove_inclusion`` / ``prove_consistency`` over a real stored log instead of a synthetic one.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from govern import ledger
from govern.core import GovernError, isoformat, utcnow
from govern.ledger._checkpoint import checkpoint_body, sign_body
from govern.ledger._log import TreeReader
from govern.ledger._merkle import range_root
from govern.workspace import Workspace

ROOT = Path(__file__).resolve().parents[3]
SIZES = (1, 2, 7, 16, 21, 256, 300, 511)


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_proof_vectors", ROOT / "scripts" / "gen_proof_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_mutation_of_a_database_proof_is_refused(ws: Workspace) -> None:
    gen = _generator()
    with ws.store.write() as session:
        ledger.append_batch(session, [ledger.Event("t", "policy.loaded", {"pack": f"p{i}"}) for i in range(511)])
    key = ledger.load_signing_key(ws.settings.key_path, name=ws.settings.origin)
    keys = ledger.KeyRing([key.public, gen.KEY.public])  # the vectors' key too: its re-signed checkpoints count
    tried = refused = 0
    with ws.store.read() as session:
        tree = TreeReader(session)

        def checkpoint(n: int) -> ledger.Checkpoint:
            head = ledger.get_entry(session, n)
            assert head is not None
            body = checkpoint_body(
                ws.settings.origin, n, range_root(0, n, tree.perfect), head.hash, isoformat(utcnow())
            )
            return sign_body(body, key)

        for n in SIZES:
            cp = checkpoint(n)
            proofs = [ledger.prove_inclusion(session, seq, checkpoint=cp) for seq in sorted({(n + 1) // 2, n})]
            mutations = [gen.INCLUSION] * len(proofs)
            for old in sorted({max(1, n // 2), max(1, n - 1)}):
                proof = ledger.prove_consistency(session, old, n)
                proof["old_checkpoint"], proof["new_checkpoint"] = checkpoint(old).text(), cp.text()
                proofs.append(proof)
                mutations.append(gen.CONSISTENCY)
            for proof, table in zip(proofs, mutations, strict=True):
                ledger.verify_proof(proof, keys=keys)  # the proof as produced verifies
                for name, (_description, mutate) in table.items():
                    bad = mutate(proof)
                    if bad is None or name == "happy-path":
                        continue
                    tried += 1
                    try:
                        ledger.verify_proof(bad, keys=keys)
                    except GovernError:
                        refused += 1
                    else:
                        raise AssertionError(f"size {n}: mutation {name} was accepted")
    assert tried == refused and tried > 500
