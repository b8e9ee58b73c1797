"""Write govern's proof mutation vectors: tests/data/proofs/{inclusion,consistency}/<mutation>.json.

    python scripts/gen_proof_vectors.py            # (re)write the files
    python scripts/gen_proof_vectors.py --check    # exit 1 if the files differ from what it would write

Each file is named by its mutation and holds one case per tree size (1, 2, 7, 16, 21, 256, 300,
511) and proven position: ``{"mutation", "description", "wantErr", "cases": [{"size", "proof"}]}``.
``proof`` is a govern proof document (docs/ledger-format.md section 4) with its checkpoint(s)
embedded; the trusted key is ``tests/data/proofs/keys.txt``. ``happy-path`` must verify; every
other mutation changes what is proven and must be refused. Everything is deterministic: a fixed
Ed25519 key (signatures are deterministic), fixed times, synthetic entries chained as govern
chains them.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from govern.core import canonical_json  # noqa: E402
from govern.ledger import (  # noqa: E402
    GENESIS,
    SigningKey,
    consistency_path,
    entry_bytes,
    inclusion_path,
    leaf_hash,
    reference_root,
)
from govern.ledger._checkpoint import checkpoint_body, sign_body  # noqa: E402
from govern.ledger._keys import _public_of  # noqa: E402

OUT = ROOT / "tests" / "data" / "proofs"
SIZES = (1, 2, 7, 16, 21, 256, 300, 511)
ORIGIN = "vectors.govern.test/ledger"
TIME = "2026-01-01T00:00:00Z"
Proof = dict[str, Any]
Mutation = Callable[[Proof], Proof | None]


def _key(seed: str, name: str = ORIGIN) -> SigningKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())
    return SigningKey(name, private, _public_of(name, private))


KEY = _key("govern proof vectors: the trusted log key")
STRANGER = _key("govern proof vectors: a key nobody trusts")


class Log:
    """A synthetic govern log of ``n`` entries and its Merkle tree (the reference recursion)."""

    def __init__(self, n: int, tag: str = "p") -> None:
        self.entries: list[bytes] = []
        prev = GENESIS
        for seq in range(1, n + 1):
            payload = canonical_json({"pack": f"{tag}{seq}"}).decode()
            raw = entry_bytes(seq, TIME, "vectors", "policy.loaded", payload, prev)
            self.entries.append(raw)
            prev = hashlib.sha256(raw).hexdigest()
        self.leaves = [leaf_hash(hashlib.sha256(e).digest()) for e in self.entries]

    def perfect(self, level: int, index: int) -> bytes:
        return reference_root(self.leaves[index << level : (index + 1) << level])

    def root(self, size: int) -> bytes:
        return reference_root(self.leaves[:size])

    def checkpoint(self, size: int, *, root: bytes | None = None, key: SigningKey = KEY, origin: str = ORIGIN) -> str:
        head = hashlib.sha256(self.entries[size - 1]).hexdigest() if size else GENESIS
        body = checkpoint_body(origin, size, self.root(size) if root is None else root, head, TIME)
        return sign_body(body, key).text()

    def inclusion(self, seq: int, size: int) -> Proof:
        entry = self.entries[seq - 1]
        return {
            "format": "govern-inclusion-proof/v1",
            "origin": ORIGIN,
            "seq": seq,
            "leaf_index": seq - 1,
            "tree_size": size,
            "entry": entry.decode(),
            "entry_hash": hashlib.sha256(entry).hexdigest(),
            "path": [h.hex() for h in inclusion_path(seq - 1, size, self.perfect)],
            "checkpoint": self.checkpoint(size),
        }

    def consistency(self, old: int, new: int) -> Proof:
        return {
            "format": "govern-consistency-proof/v1",
            "origin": ORIGIN,
            "old_size": old,
            "new_size": new,
            "old_root": self.root(old).hex(),
            "new_root": self.root(new).hex(),
            "path": [h.hex() for h in consistency_path(old, new, self.perfect)],
            "old_checkpoint": self.checkpoint(old),
            "new_checkpoint": self.checkpoint(new),
        }


LOG = Log(max(SIZES) + 1)  # one more entry, for "a genuine checkpoint of the next size"
OTHER = Log(max(SIZES) + 1, tag="other")  # another log: same shape, other entries


def _flip(hex_hash: str, bit: int = 0) -> str:
    raw = bytearray(bytes.fromhex(hex_hash))
    raw[bit // 8] ^= 1 << (bit % 8)
    return raw.hex()


def _set(**fields: Any) -> Mutation:
    def mutate(p: Proof) -> Proof | None:
        q = copy.deepcopy(p)
        for name, fn in fields.items():
            value = fn(q)
            if value is None:
                return None
            q[name] = value
        return q

    return mutate


def _path(fn: Callable[[list[str], Proof], list[str] | None]) -> Mutation:
    return _set(path=lambda q: fn(list(q["path"]), q))


def _entry(text_fn: Callable[[Proof], str | None]) -> Mutation:
    def mutate(p: Proof) -> Proof | None:
        text = text_fn(p)
        if text is None:
            return None
        q = copy.deepcopy(p)
        q["entry"], q["entry_hash"] = text, hashlib.sha256(text.encode()).hexdigest()
        return q

    return mutate


def _resign(field: str, size: Callable[[Proof], int], **kw: Any) -> Mutation:
    def mutate(p: Proof) -> Proof | None:
        n = size(p)
        if n < 0 or n > len(LOG.entries):
            return None
        q = copy.deepcopy(p)
        q[field] = LOG.checkpoint(n, **kw)
        return q

    return mutate


def _bad_sig(field: str) -> Mutation:
    def mutate(p: Proof) -> Proof | None:
        q = copy.deepcopy(p)
        body, _, sig = q[field].partition("\n\n")
        name, _, blob = sig.rstrip("\n")[2:].partition(" ")
        raw = bytearray(base64.b64decode(blob))
        raw[-1] ^= 1
        q[field] = f"{body}\n\n\u2014 {name} {base64.b64encode(bytes(raw)).decode()}\n"
        return q

    return mutate


_RANDOM = hashlib.sha256(b"not a node of this tree").hexdigest()

INCLUSION: dict[str, tuple[str, Mutation]] = {
    "happy-path": ("the proof as govern produced it", lambda p: p),
    "seq-plus-1": ("claims the next entry", _set(seq=lambda q: q["seq"] + 1)),
    "seq-minus-1": ("claims the previous entry", _set(seq=lambda q: q["seq"] - 1 if q["seq"] > 1 else None)),
    "leaf-index-plus-1": ("proves another leaf position", _set(leaf_index=lambda q: q["leaf_index"] + 1)),
    "leaf-index-minus-1": (
        "proves another leaf position",
        _set(leaf_index=lambda q: q["leaf_index"] - 1 if q["leaf_index"] else None),
    ),
    "seq-and-index-plus-1": (
        "claims the next entry at the next position",
        _set(seq=lambda q: q["seq"] + 1, leaf_index=lambda q: q["leaf_index"] + 1),
    ),
    "tree-size-plus-1": ("claims a larger tree", _set(tree_size=lambda q: q["tree_size"] + 1)),
    "tree-size-minus-1": ("claims a smaller tree", _set(tree_size=lambda q: q["tree_size"] - 1)),
    "tree-size-doubled": ("claims a tree twice as large", _set(tree_size=lambda q: q["tree_size"] * 2)),
    "path-first-bit-flipped": (
        "a bit of the first path hash flipped",
        _path(lambda h, q: [_flip(h[0]), *h[1:]] if h else None),
    ),
    "path-last-bit-flipped": (
        "a bit of the last path hash flipped",
        _path(lambda h, q: [*h[:-1], _flip(h[-1], 255)] if h else None),
    ),
    "path-truncated": ("the last path hash dropped", _path(lambda h, q: h[:-1] if h else None)),
    "path-extended": ("a hash appended to the path", _path(lambda h, q: [*h, _RANDOM])),
    "path-prepended": (
        "the leaf hash prepended to the path",
        _path(lambda h, q: [leaf_hash(bytes.fromhex(q["entry_hash"])).hex(), *h]),
    ),
    "path-reversed": (
        "the path in reverse order",
        _path(lambda h, q: h[::-1] if len(h) > 1 and h != h[::-1] else None),
    ),
    "path-emptied": ("no path at all", _path(lambda h, q: [] if h else None)),
    "path-short-hash": ("a path hash of 31 bytes", _path(lambda h, q: [h[0][:-2], *h[1:]] if h else None)),
    "entry-byte-changed": (
        "the entry text altered (entry_hash recomputed to match)",
        _entry(lambda p: p["entry"].replace('"actor":"', '"actor":"x', 1)),
    ),
    "entry-hash-bit-flipped": (
        "entry_hash does not match the entry",
        _set(entry_hash=lambda q: _flip(q["entry_hash"])),
    ),
    "entry-of-another-log-same-seq": (
        "another log's entry with the same seq claim (hash recomputed)",
        _entry(lambda p: OTHER.entries[p["seq"] - 1].decode()),
    ),
    "entry-not-canonical": (
        "the entry text with a space added (hash recomputed)",
        _entry(lambda p: p["entry"].replace(",", ", ", 1)),
    ),
    "checkpoint-root-resigned": (
        "a checkpoint of another root, signed by the trusted key",
        _resign("checkpoint", lambda q: q["tree_size"], root=hashlib.sha256(b"forged root").digest()),
    ),
    "checkpoint-larger-resigned": (
        "a genuine checkpoint of the next size",
        _resign("checkpoint", lambda q: q["tree_size"] + 1),
    ),
    "checkpoint-signature-bit-flipped": ("the checkpoint signature damaged", _bad_sig("checkpoint")),
    "checkpoint-unknown-key": (
        "the checkpoint signed by an untrusted key",
        _resign("checkpoint", lambda q: q["tree_size"], key=STRANGER),
    ),
    "checkpoint-other-origin": (
        "a checkpoint of another origin, signed by the trusted key",
        _resign("checkpoint", lambda q: q["tree_size"], origin="elsewhere.test/ledger"),
    ),
}

CONSISTENCY: dict[str, tuple[str, Mutation]] = {
    "happy-path": ("the proof as govern produced it", lambda p: p),
    "old-size-plus-1": ("claims a larger old tree", _set(old_size=lambda q: q["old_size"] + 1)),
    "old-size-minus-1": ("claims a smaller old tree (0 at size 1)", _set(old_size=lambda q: q["old_size"] - 1)),
    "new-size-plus-1": ("claims a larger new tree", _set(new_size=lambda q: q["new_size"] + 1)),
    "new-size-minus-1": ("claims a smaller new tree", _set(new_size=lambda q: q["new_size"] - 1)),
    "sizes-swapped": (
        "old and new sizes swapped",
        _set(
            old_size=lambda q: q["new_size"] if q["new_size"] != q["old_size"] else None,
            new_size=lambda q: q["old_size"],
        ),
    ),
    "path-first-bit-flipped": (
        "a bit of the first path hash flipped",
        _path(lambda h, q: [_flip(h[0]), *h[1:]] if h else None),
    ),
    "path-last-bit-flipped": (
        "a bit of the last path hash flipped",
        _path(lambda h, q: [*h[:-1], _flip(h[-1], 255)] if h else None),
    ),
    "path-truncated": ("the last path hash dropped", _path(lambda h, q: h[:-1] if h else None)),
    "path-extended": ("a hash appended to the path", _path(lambda h, q: [*h, _RANDOM])),
    "path-prepended-old-root": ("the old root prepended to the path", _path(lambda h, q: [q["old_root"], *h])),
    "path-reversed": (
        "the path in reverse order",
        _path(lambda h, q: h[::-1] if len(h) > 1 and h != h[::-1] else None),
    ),
    "path-emptied": ("no path at all", _path(lambda h, q: [] if h else None)),
    "old-checkpoint-root-resigned": (
        "an old checkpoint of another root, signed by the trusted key",
        _resign("old_checkpoint", lambda q: q["old_size"], root=hashlib.sha256(b"forged old root").digest()),
    ),
    "new-checkpoint-root-resigned": (
        "a new checkpoint of another root (a fork), signed by the trusted key",
        _resign("new_checkpoint", lambda q: q["new_size"], root=hashlib.sha256(b"forged new root").digest()),
    ),
    "checkpoints-swapped": (
        "old and new checkpoints swapped",
        _set(
            old_checkpoint=lambda q: q["new_checkpoint"] if q["old_size"] != q["new_size"] else None,
            new_checkpoint=lambda q: q["old_checkpoint"],
        ),
    ),
    "new-checkpoint-signature-bit-flipped": ("the new checkpoint's signature damaged", _bad_sig("new_checkpoint")),
    "new-checkpoint-unknown-key": (
        "the new checkpoint signed by an untrusted key",
        _resign("new_checkpoint", lambda q: q["new_size"], key=STRANGER),
    ),
    "old-checkpoint-other-origin": (
        "an old checkpoint of another origin, signed by the trusted key",
        _resign("old_checkpoint", lambda q: q["old_size"], origin="elsewhere.test/ledger"),
    ),
    "from-empty-tree": (
        "a proof from the empty tree (size 0, a genuine signed checkpoint of it, empty path)",
        _set(old_size=lambda q: 0, old_checkpoint=lambda q: LOG.checkpoint(0), path=lambda q: []),
    ),
}


def proofs_inclusion(log: Log = LOG) -> list[tuple[int, Proof]]:
    out = []
    for size in SIZES:
        for seq in sorted({(size + 1) // 2, size}):
            out.append((size, log.inclusion(seq, size)))
    return out


def proofs_consistency(log: Log = LOG) -> list[tuple[int, Proof]]:
    out = []
    for size in SIZES:
        for old in sorted({max(1, size // 2), max(1, size - 1), size} - ({size} if size > 1 else set())):
            out.append((size, log.consistency(old, size)))
    return out


def vectors() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for kind, mutations, proofs in (
        ("inclusion", INCLUSION, proofs_inclusion()),
        ("consistency", CONSISTENCY, proofs_consistency()),
    ):
        for name, (description, mutate) in mutations.items():
            cases = [{"size": size, "proof": q} for size, p in proofs if (q := mutate(p)) is not None]
            doc = {"mutation": name, "description": description, "wantErr": name != "happy-path", "cases": cases}
            files[OUT / kind / f"{name}.json"] = json.dumps(doc, indent=1, sort_keys=True) + "\n"
    files[OUT / "keys.txt"] = KEY.public.verifier_key() + "\n"
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the files on disk differ")
    args = parser.parse_args()
    files = vectors()
    if args.check:
        stale = [str(p) for p, text in files.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
        if stale:
            print("stale proof vectors:", *stale, sep="\n  ")
            return 1
        return 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files under {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
