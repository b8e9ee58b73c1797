"""RFC 9162 Merkle tree: incremental root vs the naive reference, and proofs for every size <= 64.

Every valid proof must pass; every mutation of it (a flipped bit in each hash, a hash dropped,
added or duplicated, neighbours swapped, a wrong index, size, leaf or root) must be rejected.
"""

from __future__ import annotations

import hashlib
from functools import partial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govern.core import VerificationError
from govern.ledger import (
    EMPTY_ROOT,
    Frontier,
    consistency_path,
    inclusion_path,
    leaf_hash,
    reference_root,
    verify_consistency,
    verify_inclusion,
)

MAX = 64
LEAVES = [leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(MAX)]


def _perfect(leaves: list[bytes]):  # type: ignore[no-untyped-def]
    def perfect(level: int, index: int) -> bytes:
        return reference_root(leaves[index << level : (index + 1) << level])

    return perfect


PERFECT = _perfect(LEAVES)


def test_rfc6962_reference_vectors() -> None:
    """The eight-leaf tree of the RFC 6962 / certificate-transparency test data."""
    inputs = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ]
    leaves = [hashlib.sha256(b"\x00" + x).digest() for x in inputs]
    assert reference_root(leaves).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@given(st.lists(st.binary(min_size=32, max_size=32), max_size=300))
def test_incremental_root_equals_naive_reference(leaves: list[bytes]) -> None:
    frontier = Frontier()
    for i, leaf in enumerate(leaves):
        frontier.push(leaf)
        if i % 7 == 0 or i == len(leaves) - 1:
            assert frontier.root() == reference_root(leaves[: i + 1])
    restored = Frontier.load(frontier.size, frontier.dump())
    assert restored.root() == reference_root(leaves)


def test_push_reports_every_completed_subtree() -> None:
    frontier = Frontier()
    completed = {}
    for leaf in LEAVES:
        for level, index, h in frontier.push(leaf):
            completed[(level, index)] = h
    for (level, index), h in completed.items():
        assert h == PERFECT(level, index)
    assert len(completed) == MAX - 1  # every interior node of the 64-leaf tree


def _rejects(check) -> bool:  # type: ignore[no-untyped-def]
    try:
        check()
    except VerificationError as err:
        assert err.code == "proof_invalid"
        return True
    return False


def _mutations(path: list[bytes]) -> list[tuple[str, list[bytes]]]:
    out: list[tuple[str, list[bytes]]] = []
    for i, h in enumerate(path):
        for bit in (0, 7, 255):
            flipped = bytearray(h)
            flipped[bit // 8] ^= 1 << (bit % 8)
            out.append((f"bit {bit} of hash {i} flipped", [*path[:i], bytes(flipped), *path[i + 1 :]]))
        out.append((f"hash {i} dropped", path[:i] + path[i + 1 :]))
        out.append((f"hash {i} duplicated", path[: i + 1] + path[i:]))
        if i + 1 < len(path) and path[i] != path[i + 1]:
            out.append((f"hashes {i} and {i + 1} swapped", [*path[:i], path[i + 1], path[i], *path[i + 2 :]]))
    out.append(("extra hash appended", [*path, LEAVES[0]]))
    out.append(("extra hash prepended", [LEAVES[0], *path]))
    out.append(("short hash", [*path[:-1], path[-1][:31]] if path else [b"\x00" * 31]))
    return out


@pytest.mark.parametrize("size", range(1, MAX + 1))
def test_inclusion_proofs_valid_and_every_mutation_rejected(size: int) -> None:
    root = reference_root(LEAVES[:size])
    for index in range(size):
        path = inclusion_path(index, size, PERFECT)
        verify_inclusion(index, size, LEAVES[index], path, root)
        for what, bad in _mutations(path):
            assert _rejects(partial(verify_inclusion, index, size, LEAVES[index], bad, root)), what
        wrong = [
            ("index + 1", index + 1, size, LEAVES[index], root),
            ("index - 1", index - 1, size, LEAVES[index], root),
            ("size doubled (height)", index, size * 2, LEAVES[index], root),
            ("size 0", index, 0, LEAVES[index], root),
            ("other leaf", index, size, LEAVES[(index + 1) % MAX], root),
            ("other root", index, size, LEAVES[index], bytes([root[0] ^ 1]) + root[1:]),
        ]
        for what, i, n, leaf, r in wrong:
            assert _rejects(partial(verify_inclusion, i, n, leaf, path, r)), what


@pytest.mark.parametrize("new", range(1, MAX + 1))
def test_consistency_proofs_valid_and_every_mutation_rejected(new: int) -> None:
    new_root = reference_root(LEAVES[:new])
    for old in range(1, new + 1):
        old_root = reference_root(LEAVES[:old])
        path = consistency_path(old, new, PERFECT)
        verify_consistency(old, new, old_root, new_root, path)
        if old == new:
            assert path == []
            assert _rejects(partial(verify_consistency, old, new, old_root, new_root, [LEAVES[0]]))
            continue
        for what, bad in _mutations(path):
            assert _rejects(partial(verify_consistency, old, new, old_root, new_root, bad)), what
        wrong = [
            ("empty path", old, new, old_root, new_root, []),
            ("sizes swapped", new, old, new_root, old_root, path),
            ("new size doubled", old, new * 2, old_root, new_root, path),
            ("roots swapped", old, new, new_root, old_root, path),
            ("other old root", old, new, reference_root(LEAVES[1 : old + 1]), new_root, path),
            ("other new root", old, new, old_root, reference_root(LEAVES[1 : new + 1]), path),
        ]
        if old > 1:
            wrong.append(("old size - 1", old - 1, new, old_root, new_root, path))
        for what, o, n, orr, nr, p in wrong:
            assert _rejects(partial(verify_consistency, o, n, orr, nr, p)), what


def test_consistency_from_the_empty_tree_is_refused_as_rfc_9162_says() -> None:
    """RFC 9162 defines PROOF(m, D_n) for 0 < m only: size1 = 0 is refused, with or without a proof."""
    five = reference_root(LEAVES[:5])
    assert _rejects(lambda: verify_consistency(0, 5, EMPTY_ROOT, five, []))
    assert _rejects(lambda: verify_consistency(0, 5, EMPTY_ROOT, five, [LEAVES[0]]))
    assert _rejects(lambda: verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, []))
    assert _rejects(lambda: verify_consistency(0, 0, b"", b"", []))


def test_one_entry_tree_edges() -> None:
    """An empty leaf and root in a one-entry tree, a wrong index, equal sizes with a proof: all refused."""
    verify_inclusion(0, 1, LEAVES[0], [], LEAVES[0])
    assert _rejects(lambda: verify_inclusion(0, 1, b"", [], b""))
    assert _rejects(lambda: verify_inclusion(0, 1, LEAVES[0], [], b""))
    assert _rejects(lambda: verify_inclusion(1, 1, LEAVES[0], [], LEAVES[0]))
    assert _rejects(lambda: verify_inclusion(0, 0, LEAVES[0], [], LEAVES[0]))
    assert _rejects(lambda: verify_inclusion(0, 1, LEAVES[1], [], LEAVES[0]))
    verify_consistency(1, 1, LEAVES[0], LEAVES[0], [])
    assert _rejects(lambda: verify_consistency(1, 1, LEAVES[0], LEAVES[0], [LEAVES[0]]))
    assert _rejects(lambda: verify_consistency(1, 1, LEAVES[0], LEAVES[1], []))
