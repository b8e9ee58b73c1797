"""Signed checkpoints in the C2SP tlog-checkpoint / signed-note text format.

    <origin>\\n
    <tree size, decimal>\\n
    <base64 Merkle root>\\n
    head <hex hash of entry <tree size>>\\n
    time <RFC 3339 UTC>\\n
    \\n
    — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>\\n

The signature covers the note text: every byte before the blank line, final newline included.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from govern.core import GovernError, Location, VerificationError, parse_time

from ._codes import (
    CHECKPOINT_KEY_RETIRED,
    CHECKPOINT_MALFORMED,
    CHECKPOINT_ORIGIN_MISMATCH,
    CHECKPOINT_SIGNATURE_INVALID,
    CHECKPOINT_UNKNOWN_KEY,
    CHECKPOINT_UNREADABLE,
)
from ._keys import KeyRing, PublicKey, SigningKey, key_id

SIG_PREFIX = "\u2014 "  # em dash and a space, as in signed notes
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_SIZE = re.compile(r"^(0|[1-9][0-9]*)$")


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    key_id: str  # 8 hex digits
    signature: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Checkpoint:
    """A parsed checkpoint. ``body`` is the signed text; ``root`` the 32-byte Merkle root."""

    origin: str
    size: int
    root: bytes
    head: str
    time: str
    body: str
    signatures: tuple[Signature, ...]

    def text(self) -> str:
        """The whole signed note, as written to checkpoint files."""
        lines = "".join(
            f"{SIG_PREFIX}{s.name} {base64.b64encode(bytes.fromhex(s.key_id) + s.signature).decode()}\n"
            for s in self.signatures
        )
        return f"{self.body}\n{lines}"


def checkpoint_body(origin: str, size: int, root: bytes, head: str, time: str) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\nhead {head}\ntime {time}\n"


def sign_body(body: str, key: SigningKey) -> Checkpoint:
    """Sign a checkpoint body (from :func:`checkpoint_body`) with ``key``."""
    signature = Signature(key.name, key.public.key_id, key.sign(body.encode()))
    return _parse_body(body, (signature,), "<new checkpoint>")


def _malformed(message: str, source: str, line: int | None = None) -> GovernError:
    return GovernError(CHECKPOINT_MALFORMED, message, Location(source, line))


def _parse_body(body: str, signatures: tuple[Signature, ...], source: str) -> Checkpoint:
    lines = body.split("\n")[:-1]
    if len(lines) < 3:
        raise _malformed("a checkpoint needs an origin, a tree size and a root hash", source)
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise _malformed("empty origin line", source, 1)
    if not _SIZE.match(size_text):
        raise _malformed(f"tree size {size_text!r} is not a decimal number", source, 2)
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError:
        root = b""
    if len(root) != 32:
        raise _malformed("the root hash is not base64 of 32 bytes", source, 3)
    fields: dict[str, str] = {}
    for number, line in enumerate(extensions, 4):
        name, _, value = line.partition(" ")
        if name in fields:
            raise _malformed(f"duplicate extension line {name!r}", source, number)
        fields[name] = value
    head, time = fields.get("head", ""), fields.get("time", "")
    if not _HEX64.match(head):
        raise _malformed("missing or malformed 'head <64 hex digits>' line", source)
    try:
        parse_time(time)
    except GovernError:
        raise _malformed("missing or malformed 'time <RFC 3339>' line", source) from None
    return Checkpoint(
        origin=origin, size=int(size_text), root=root, head=head, time=time, body=body, signatures=signatures
    )


def parse_checkpoint(text: str, *, source: str = "<checkpoint>") -> Checkpoint:
    """Parse a signed checkpoint; raises ``GovernError(checkpoint_malformed)`` (exit 2)."""
    if not text.endswith("\n") or "\n\n" not in text:
        raise _malformed("not a signed note: expected text, a blank line, then signature lines", source)
    body, _, sig_block = text.partition("\n\n")
    body += "\n"
    signatures: list[Signature] = []
    for offset, line in enumerate(sig_block.split("\n")[:-1]):
        number = body.count("\n") + 2 + offset
        if not line.startswith(SIG_PREFIX):
            raise _malformed("a signature line must start with an em dash and a space", source, number)
        name, _, blob = line[len(SIG_PREFIX) :].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            raw = b""
        if not name or len(raw) < 5:
            raise _malformed("a signature line needs a key name and base64(key id || signature)", source, number)
        signatures.append(Signature(name, raw[:4].hex(), raw[4:]))
    if not signatures:
        raise _malformed("the checkpoint is not signed", source)
    return _parse_body(body, tuple(signatures), source)


def read_checkpoint(path: Path) -> Checkpoint:
    """Read and parse a checkpoint file; ``checkpoint_unreadable`` or ``checkpoint_malformed`` (exit 2)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GovernError(CHECKPOINT_UNREADABLE, str(exc), Location(str(path))) from None
    return parse_checkpoint(text, source=str(path))


def _candidates(keys: KeyRing, sig: Signature) -> list[PublicKey]:
    # A PEM public key carries no name: it matches any name whose key id it reproduces.
    named = keys.find(sig.name, sig.key_id)
    unnamed = [k for k in keys.keys if not k.name and key_id(sig.name, k.public) == sig.key_id]
    return named + unnamed


def _check_lifetime(checkpoint: Checkpoint, key: PublicKey) -> None:
    """Refuse a checkpoint its key signed after its retirement (``checkpoint_key_retired``).

    After retirement means: dated after ``retired``; or covering more entries than the tree had
    when the key was retired (the ``key.rotated`` entry); or of exactly that size with another
    root. A backdated checkpoint of a smaller forged tree passes this check; only a checkpoint
    held elsewhere or a witness cosignature catches it (docs/threat-model.md).
    """
    if key.retired is not None and parse_time(checkpoint.time) > parse_time(key.retired):
        raise VerificationError(
            CHECKPOINT_KEY_RETIRED,
            f"key {key.key_id} was retired at {key.retired}, before this checkpoint's time {checkpoint.time}",
        )
    if key.retired_size is not None and checkpoint.size > key.retired_size:
        raise VerificationError(
            CHECKPOINT_KEY_RETIRED,
            f"key {key.key_id} was retired when the log had {key.retired_size} entries; "
            f"this checkpoint covers {checkpoint.size}",
        )
    if key.retired_size == checkpoint.size and key.retired_root is not None and key.retired_root != checkpoint.root:
        raise VerificationError(
            CHECKPOINT_KEY_RETIRED,
            f"key {key.key_id} was retired at size {key.retired_size} with another root than this checkpoint's",
        )


def verify_checkpoint(checkpoint: Checkpoint, keys: KeyRing, *, origin: str | None = None) -> PublicKey:
    """Check ``checkpoint``'s origin and that a trusted key signed it; return that key.

    Raises ``VerificationError`` (exit 1): ``checkpoint_origin_mismatch`` (origin differs from
    ``origin``), ``checkpoint_unknown_key`` (no signature by a key in ``keys``),
    ``checkpoint_signature_invalid`` (a known key's signature does not verify),
    ``checkpoint_key_retired`` (signed by a key after its retirement, see ``_check_lifetime``).
    """
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(
            CHECKPOINT_ORIGIN_MISMATCH,
            f"checkpoint origin {checkpoint.origin!r} is not this ledger's origin {origin!r}",
        )
    message = checkpoint.body.encode()
    bad: str | None = None
    for sig in checkpoint.signatures:
        for key in _candidates(keys, sig):
            if not key.verify(message, sig.signature):
                bad = f"signature by {sig.name}+{sig.key_id} does not verify"
                continue
            _check_lifetime(checkpoint, key)
            return key
    if bad is not None:
        raise VerificationError(CHECKPOINT_SIGNATURE_INVALID, bad)
    ids = ", ".join(f"{s.name}+{s.key_id}" for s in checkpoint.signatures)
    raise VerificationError(CHECKPOINT_UNKNOWN_KEY, f"no trusted key signed this checkpoint (signed by {ids})")
