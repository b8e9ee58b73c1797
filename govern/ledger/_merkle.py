"""RFC 9162 Merkle tree hashing, incremental roots, proof generation and pure proof verifiers.

Leaves are entry hashes: ``leaf = SHA-256(0x00 || entry_hash_bytes)``, interior nodes
``SHA-256(0x01 || left || right)``, the empty tree's root is ``SHA-256("")``. Proofs are
generated from a ``perfect(level, index)`` function giving the hash of the perfect subtree
covering leaves ``[index * 2**level, (index + 1) * 2**level)``; the verifiers take nothing but
the proof, so an auditor can run them with no database. The verifiers follow RFC 9162 sections
2.1.3.2 and 2.1.4.2; every precondition they check is spelled out in the docstrings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from govern.core import VerificationError

from ._codes import PROOF_INVALID

EMPTY_ROOT = hashlib.sha256(b"").digest()
Perfect = Callable[[int, int], bytes]


def leaf_hash(entry_hash: bytes) -> bytes:
    """Merkle leaf hash of one entry (``entry_hash`` as 32 raw bytes)."""
    return hashlib.sha256(b"\x00" + entry_hash).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly below ``n`` (n >= 2): RFC 9162's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The roots of the perfect subtrees of a tree of ``size`` leaves, largest first.

    ``push`` adds one leaf in O(1) amortized hashes and reports the perfect subtrees it
    completes; ``root`` folds the frontier in O(log n).
    """

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: list[bytes] | None = None) -> None:
        hashes = hashes or []
        if len(hashes) != size.bit_count():
            raise ValueError(f"a frontier of size {size} has {size.bit_count()} hashes")
        self.size = size
        self.hashes = hashes

    def push(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Append a leaf; return the completed subtrees ``(level, index, hash)`` above level 0."""
        done: list[tuple[int, int, bytes]] = []
        h, s, level = leaf, self.size, 0
        hashes = self.hashes
        while s & 1:
            h = hashlib.sha256(b"\x01" + hashes.pop() + h).digest()
            s >>= 1
            level += 1
            done.append((level, ((self.size + 1) >> level) - 1, h))
        hashes.append(h)
        self.size += 1
        return done

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        r = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            r = node_hash(h, r)
        return r

    def copy(self) -> Frontier:
        return Frontier(self.size, list(self.hashes))

    def dump(self) -> str:
        """Text form kept in the head row: hex hashes joined by commas."""
        return ",".join(h.hex() for h in self.hashes)

    @classmethod
    def load(cls, size: int, text: str) -> Frontier:
        return cls(size, [bytes.fromhex(h) for h in text.split(",")] if text else [])


def reference_root(leaves: Sequence[bytes]) -> bytes:
    """MTH per RFC 9162 section 2.1.1, recursively (the naive reference for tests)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def range_root(lo: int, hi: int, perfect: Perfect) -> bytes:
    """MTH of leaves ``[lo, hi)``, where ``lo`` is aligned as in RFC 9162's recursion."""
    n = hi - lo
    if n & (n - 1) == 0 and lo % n == 0:
        level = n.bit_length() - 1
        return perfect(level, lo >> level)
    k = _split(n)
    return node_hash(range_root(lo, lo + k, perfect), range_root(lo + k, hi, perfect))


def inclusion_path(index: int, size: int, perfect: Perfect) -> list[bytes]:
    """RFC 9162 PATH(index, D[0:size]): sibling hashes from the leaf up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    stack: list[bytes] = []
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            stack.append(range_root(lo + k, hi, perfect))
            hi = lo + k
        else:
            stack.append(range_root(lo, lo + k, perfect))
            lo = lo + k
    path.extend(reversed(stack))
    return path


def consistency_path(old: int, new: int, perfect: Perfect) -> list[bytes]:
    """RFC 9162 PROOF(old, D[0:new]) for 0 < old <= new (empty when old == new)."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    stack: list[bytes] = []
    m, lo, hi, complete = old, 0, new, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                stack.append(range_root(lo, hi, perfect))
            break
        k = _split(n)
        if m <= k:
            stack.append(range_root(lo + k, hi, perfect))
            hi = lo + k
        else:
            stack.append(range_root(lo, lo + k, perfect))
            lo, m, complete = lo + k, m - k, False
    return list(reversed(stack))


def _fail(message: str) -> VerificationError:
    return VerificationError(PROOF_INVALID, message)


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root that ``path`` proves ``leaf`` (at ``index``) into, for a tree of ``size``.

    RFC 9162 section 2.1.3.2, with every precondition a ``VerificationError(proof_invalid)``:

    - ``0 <= index < size`` (so a tree of size 0 proves nothing, and ``index >= size`` fails);
    - ``leaf`` and every path element are exactly 32 bytes (an empty leaf or hash fails);
    - the path has exactly the length the tree shape demands: an element left over, or a level
      left unproven, fails; for ``size == 1`` that length is 0 and the root is the leaf itself.
    """
    if not 0 <= index < size:
        raise _fail(f"leaf index {index} is outside a tree of size {size}")
    if len(leaf) != 32:
        raise _fail("the leaf hash is not 32 bytes")
    if any(len(p) != 32 for p in path):
        raise _fail("a proof hash is not 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise _fail("inclusion proof is longer than the tree is high")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail("inclusion proof is shorter than the tree is high")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> None:
    """Raise ``VerificationError(proof_invalid)`` unless ``path`` proves ``leaf`` under ``root``.

    Preconditions as in :func:`root_from_inclusion`, and ``root`` is exactly 32 bytes (an empty
    root never matches, not even an empty leaf in a one-entry tree).
    """
    if len(root) != 32:
        raise _fail("the root hash is not 32 bytes")
    if root_from_inclusion(index, size, leaf, path) != root:
        raise _fail(f"inclusion proof for leaf {index} does not lead to the root of size {size}")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]) -> None:
    """Raise ``VerificationError(proof_invalid)`` unless ``path`` proves tree ``old`` is a prefix of ``new``.

    RFC 9162 section 2.1.4.2, with every precondition a ``VerificationError(proof_invalid)``:

    - ``0 < old <= new``: RFC 9162 defines ``PROOF(m, D_n)`` for ``0 < m`` only, so a proof from
      the empty tree is refused whatever the other arguments (``0 -> n`` and ``0 -> 0`` alike;
      the empty tree is trivially a prefix of every tree and needs no proof);
    - every path element is exactly 32 bytes;
    - ``old == new``: the path is empty and the roots are byte-for-byte equal (nothing else is
      proven, so their length is not checked);
    - ``old < new``: the path is non-empty and is consumed exactly (an element left over, or a
      level left unproven, fails), and it must lead to both ``old_root`` and ``new_root`` (a
      root that is not 32 bytes never matches).
    """
    if old > new:
        raise _fail(f"sizes {old} -> {new}: a log cannot shrink")
    if old <= 0:
        raise _fail(f"no consistency proof from size {old}: RFC 9162 proves only from a non-empty tree")
    if any(len(p) != 32 for p in path):
        raise _fail("a proof hash is not 32 bytes")
    if old == new:
        if path:
            raise _fail("a consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise _fail("equal sizes with different roots")
        return
    if not path:
        raise _fail("empty consistency proof between different sizes")
    nodes = list(path)
    if old & (old - 1) == 0:
        nodes.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            raise _fail("consistency proof is longer than the trees demand")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail("consistency proof is shorter than the trees demand")
    if fr != old_root:
        raise _fail(f"consistency proof does not lead to the old root (size {old})")
    if sr != new_root:
        raise _fail(f"consistency proof does not lead to the new root (size {new})")
