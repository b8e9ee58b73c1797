"""Ed25519 signing keys: creation, loading, rotation, and public-key export with lifetimes.

Key ids follow the C2SP signed-note convention for Ed25519: the first 4 bytes of
``SHA-256(name || 0x0A || 0x01 || public_key)``, written as 8 lowercase hex digits. The public
halves of every key ever used stay in ``ledger_key``; a rotated-out key is marked ``retired``
and keeps verifying the checkpoints it signed before its retirement.

The exported **key list** (``govern audit public-key``) is a signed note carrying each key's
lifetime, signed by the current key::

    govern-key-list/v1
    origin <origin>
    key <verifier key> valid-from <RFC 3339>
    key <verifier key> valid-from <RFC 3339> retired-at <RFC 3339> last-size <N> last-root <base64>

    \u2014 <name> <base64(key id || signature)>

``last-size``/``last-root`` are the tree head the key was retired at (the ``key.rotated`` entry
is entry ``last-size + 1``): a retired key's checkpoint may not cover more entries, and one of
exactly that size must have that root.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from govern.core import GovernError, Location, isoformat, utcnow

from ._codes import PUBLIC_KEY_INVALID, PUBLIC_KEY_UNREADABLE, SIGNING_KEY_INVALID, SIGNING_KEY_MISSING

if TYPE_CHECKING:  # cryptography loads lazily
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ED25519 = b"\x01"  # signed-note signature type byte for Ed25519


def key_id(name: str, public_key: bytes) -> str:
    """C2SP signed-note key id of an Ed25519 key, as 8 hex digits."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key).digest()[:4].hex()


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise GovernError(SIGNING_KEY_INVALID, f"key name {name!r} must be non-empty, without spaces or '+'")


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A verifier key: name, id, the 32 raw public-key bytes, and when it was retired (if ever)."""

    name: str
    key_id: str
    public: bytes
    retired: str | None = None  # RFC 3339 text
    valid_from: str | None = None  # RFC 3339 text (informational: when the key was registered)
    retired_size: int | None = None  # the tree size at retirement: the old key signs nothing larger
    retired_root: bytes | None = None  # the root at that size

    def verifier_key(self) -> str:
        """The signed-note verifier key string ``<name>+<key id>+<base64(0x01 || key)>``."""
        return f"{self.name}+{self.key_id}+{base64.b64encode(ED25519 + self.public).decode()}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The private key that signs checkpoints, with its public half."""

    name: str
    private: Ed25519PrivateKey
    public: PublicKey

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


@dataclass
class KeyRing:
    """Public keys trusted to have signed checkpoints, looked up by (name, key id)."""

    keys: list[PublicKey] = field(default_factory=list)

    def find(self, name: str, kid: str) -> list[PublicKey]:
        return [k for k in self.keys if k.name == name and k.key_id == kid]

    def dump(self) -> str:
        """One verifier key per line, oldest first (the ``govern audit public-key`` format)."""
        return "".join(k.verifier_key() + "\n" for k in self.keys)

    @classmethod
    def parse(cls, text: str, *, source: str = "<keys>") -> KeyRing:
        """Read verifier-key lines (``name+id+base64``), ``#`` comments, or PEM public keys.

        A PEM key has no name: it is accepted under any name whose id it matches (see ``find``),
        so it is stored with the empty name and matched by id only.
        """
        ring = cls()
        if text.startswith(KEY_LIST_FORMAT + "\n"):
            return parse_key_list(text, source=source)
        if "-----BEGIN" in text:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

            try:
                key = serialization.load_pem_public_key(text.encode())
            except ValueError as exc:
                raise GovernError(PUBLIC_KEY_INVALID, str(exc), Location(source)) from None
            if not isinstance(key, Ed25519PublicKey):
                raise GovernError(PUBLIC_KEY_INVALID, "not an Ed25519 public key", Location(source))
            raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            ring.keys.append(PublicKey("", "", raw))
            return ring
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("+", 2)
            try:
                name, kid, blob = parts
                raw = base64.b64decode(blob, validate=True)
            except ValueError:
                raise GovernError(
                    PUBLIC_KEY_INVALID, "expected <name>+<key id>+<base64 key>", Location(source, number)
                ) from None
            if len(raw) != 33 or raw[:1] != ED25519 or key_id(name, raw[1:]) != kid.lower():
                raise GovernError(
                    PUBLIC_KEY_INVALID,
                    "not an Ed25519 verifier key, or its id does not match",
                    Location(source, number),
                )
            ring.keys.append(PublicKey(name, kid.lower(), raw[1:]))
        if not ring.keys:
            raise GovernError(PUBLIC_KEY_INVALID, "no public key in the file", Location(source))
        return ring

    @classmethod
    def read(cls, path: Path) -> KeyRing:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise GovernError(PUBLIC_KEY_UNREADABLE, str(exc), Location(str(path))) from None
        return cls.parse(text, source=str(path))


KEY_LIST_FORMAT = "govern-key-list/v1"
_SIG_PREFIX = "\u2014 "


def _lifetime(key: PublicKey) -> str:
    out = f"key {key.verifier_key()} valid-from {key.valid_from or '-'}"
    if key.retired is not None:
        out += f" retired-at {key.retired}"
        if key.retired_size is not None:
            out += f" last-size {key.retired_size}"
        if key.retired_root is not None:
            out += f" last-root {base64.b64encode(key.retired_root).decode()}"
    return out


def sign_key_list(origin: str, ring: KeyRing, signer: SigningKey) -> str:
    """The signed key list (module docstring) of every key in ``ring``, signed by ``signer``.

    ``signer`` must be the one key of ``ring`` that is not retired (``signing_key_invalid``).
    """
    current = [k for k in ring.keys if k.retired is None]
    if [k.key_id for k in current] != [signer.public.key_id]:
        raise GovernError(SIGNING_KEY_INVALID, "the signing key is not the ledger's one current key")
    body = f"{KEY_LIST_FORMAT}\norigin {origin}\n" + "".join(_lifetime(k) + "\n" for k in ring.keys)
    blob = base64.b64encode(bytes.fromhex(signer.public.key_id) + signer.sign(body.encode())).decode()
    return f"{body}\n{_SIG_PREFIX}{signer.name} {blob}\n"


def parse_key_list(text: str, *, source: str = "<keys>") -> KeyRing:
    """Parse and check a signed key list; ``public_key_invalid`` (exit 2) unless its current key signed it.

    Every line is located on error. The list must name exactly one current (not retired) key,
    and a signature line by that key must verify over the body.
    """
    from govern.core import parse_time

    def bad(message: str, line: int | None = None) -> GovernError:
        return GovernError(PUBLIC_KEY_INVALID, message, Location(source, line))

    body, sep, sigs = text.partition("\n\n")
    if not sep or not text.endswith("\n"):
        raise bad("a key list is a signed note: text, a blank line, then signature lines")
    lines = body.split("\n")
    if len(lines) < 3 or not lines[1].startswith("origin "):
        raise bad("a key list starts with its format line and an 'origin <origin>' line")
    keys: list[PublicKey] = []
    for number, line in enumerate(lines[2:], 3):
        words = line.split(" ")
        if len(words) < 4 or words[0] != "key" or words[2] != "valid-from" or len(words) % 2:
            raise bad("expected 'key <verifier key> valid-from <time> [retired-at <time> ...]'", number)
        try:
            (key,) = KeyRing.parse(words[1], source=source).keys
        except GovernError:
            raise bad("not an Ed25519 verifier key, or its id does not match", number) from None
        fields = dict(zip(words[2::2], words[3::2], strict=True))
        if set(fields) - {"valid-from", "retired-at", "last-size", "last-root"}:
            raise bad(
                f"unknown key fields {sorted(set(fields) - {'valid-from', 'retired-at', 'last-size', 'last-root'})}",
                number,
            )
        try:
            for name in ("valid-from", "retired-at"):
                if fields.get(name, "-") != "-":
                    parse_time(fields[name])
            size = int(fields["last-size"]) if "last-size" in fields else None
            root = base64.b64decode(fields["last-root"], validate=True) if "last-root" in fields else None
        except (GovernError, ValueError):
            raise bad("malformed time, size or root", number) from None
        if (size is not None and size < 0) or (root is not None and len(root) != 32):
            raise bad("malformed last-size or last-root", number)
        valid_from = fields["valid-from"] if fields["valid-from"] != "-" else None
        keys.append(PublicKey(key.name, key.key_id, key.public, fields.get("retired-at"), valid_from, size, root))
    current = [k for k in keys if k.retired is None]
    if len(current) != 1:
        raise bad(f"a key list names exactly one current key, this one {len(current)}")
    signer = current[0]
    message = (body + "\n").encode()
    for line in sigs.split("\n")[:-1]:
        name, _, blob = line.removeprefix(_SIG_PREFIX).partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            continue
        if name == signer.name and raw[:4].hex() == signer.key_id and signer.verify(message, raw[4:]):
            return KeyRing(keys)
    raise bad(f"the key list is not signed by its current key {signer.name}+{signer.key_id}")


def _write_private(path: Path, private: Ed25519PrivateKey) -> None:
    """Write ``private`` as PKCS#8 PEM, mode 0600, replacing ``path`` atomically."""
    from cryptography.hazmat.primitives import serialization

    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def _public_of(name: str, private: Ed25519PrivateKey) -> PublicKey:
    from cryptography.hazmat.primitives import serialization

    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PublicKey(name, key_id(name, raw), raw)


def load_signing_key(path: Path, *, name: str) -> SigningKey:
    """Load the PKCS#8 PEM Ed25519 key at ``path``; its checkpoints are signed as ``name``.

    Raises ``GovernError`` ``signing_key_missing`` or ``signing_key_invalid``.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _check_name(name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise GovernError(SIGNING_KEY_MISSING, "no signing key; run `govern init`", Location(str(path))) from None
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise GovernError(SIGNING_KEY_INVALID, str(exc), Location(str(path))) from None
    if not isinstance(private, Ed25519PrivateKey):
        raise GovernError(SIGNING_KEY_INVALID, "the signing key is not Ed25519", Location(str(path)))
    return SigningKey(name, private, _public_of(name, private))


def _key_table() -> sa.Table:
    from govern.store import table_of

    from ._tables import LedgerKey

    return table_of(LedgerKey)


def _register(session: Session, key: PublicKey) -> None:
    table = _key_table()
    if session.execute(sa.select(table.c.key_id).where(table.c.key_id == key.key_id)).first() is None:
        session.execute(
            sa.insert(table).values(
                key_id=key.key_id,
                name=key.name,
                public_key=base64.b64encode(key.public).decode(),
                created=utcnow(),
            )
        )


def ensure_signing_key(store: object, path: Path, *, name: str) -> PublicKey:
    """Create the workspace signing key at ``path`` unless it exists; register its public half.

    ``store`` is a ``govern.store.Store``. Idempotent: ``govern init`` calls it every time.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _check_name(name)
    if not path.exists():
        _write_private(path, Ed25519PrivateKey.generate())
    key = load_signing_key(path, name=name)
    with store.write() as session:  # type: ignore[attr-defined]
        _register(session, key.public)
    return key.public


def public_keys(session: Session) -> KeyRing:
    """Every registered public key (current and retired), oldest first, with its lifetime.

    A retired key's ``retired_size`` is the tree size before its ``key.rotated`` entry, and
    ``retired_root`` the root at that size.
    """
    from ._log import TreeReader, iter_entries
    from ._merkle import EMPTY_ROOT, range_root

    t = _key_table()
    rows = session.execute(
        sa.select(t.c.name, t.c.key_id, t.c.public_key, t.c.created, t.c.retired).order_by(t.c.created, t.c.key_id)
    ).all()
    rotations: dict[str, int] = {}
    for entry in iter_entries(session, kind="key.rotated"):
        old = entry.payload.get("old_key_id")
        if isinstance(old, str):
            rotations.setdefault(old, entry.seq - 1)
    tree = TreeReader(session)
    keys = []
    for r in rows:
        size = rotations.get(r.key_id) if r.retired else None
        root = None if size is None else (range_root(0, size, tree.perfect) if size else EMPTY_ROOT)
        keys.append(
            PublicKey(
                r.name,
                r.key_id,
                base64.b64decode(r.public_key),
                isoformat(r.retired) if r.retired else None,
                isoformat(r.created),
                size,
                root,
            )
        )
    return KeyRing(keys)


def rotate_key(store: object, path: Path, *, name: str, actor: str = "govern") -> tuple[PublicKey, PublicKey]:
    """Replace the signing key at ``path`` with a new one; retire the old one. Returns (old, new).

    The old private key is destroyed (only its public half is kept, in ``ledger_key``), so a
    leaked old key cannot sign checkpoints dated after its retirement. The rotation is a
    ``key.rotated`` ledger entry committed with the key change.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ._log import append

    old = load_signing_key(path, name=name)
    private = Ed25519PrivateKey.generate()
    new = _public_of(name, private)
    with store.write() as session:  # type: ignore[attr-defined]
        _register(session, old.public)
        _register(session, new)
        table = _key_table()
        session.execute(
            sa.update(table)
            .where(table.c.key_id == old.public.key_id, table.c.retired.is_(None))
            .values(retired=utcnow())
        )
        append(
            session,
            actor=actor,
            kind="key.rotated",
            payload={
                "old_key_id": old.public.key_id,
                "new_key_id": new.key_id,
                "new_verifier_key": new.verifier_key(),
            },
        )
        # Replace the file inside the transaction: if writing fails, the rotation rolls back.
        _write_private(path, private)
    return old.public, new
