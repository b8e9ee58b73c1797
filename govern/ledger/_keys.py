"""Ed25519 signing keys: creation, loading, rotation, and public-key export.

Key ids follow the C2SP signed-note convention for Ed25519: the first 4 bytes of
``SHA-256(name || 0x0A || 0x01 || public_key)``, written as 8 lowercase hex digits. The public
halves of every key ever used stay in ``ledger_key``; a rotated-out key is marked ``retired``
and keeps verifying the checkpoints it signed before its retirement.
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


def _register(session: Session, key: PublicKey) -> None:
    from govern.store import table_of

    from ._tables import LedgerKey

    table = table_of(LedgerKey)
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
    """Every registered public key (current and retired), oldest first."""
    from govern.store import table_of

    from ._tables import LedgerKey

    t = table_of(LedgerKey)
    rows = session.execute(
        sa.select(t.c.name, t.c.key_id, t.c.public_key, t.c.retired).order_by(t.c.created, t.c.key_id)
    ).all()
    return KeyRing(
        [
            PublicKey(r.name, r.key_id, base64.b64decode(r.public_key), isoformat(r.retired) if r.retired else None)
            for r in rows
        ]
    )


def rotate_key(store: object, path: Path, *, name: str, actor: str = "govern") -> tuple[PublicKey, PublicKey]:
    """Replace the signing key at ``path`` with a new one; retire the old one. Returns (old, new).

    The old private key is destroyed (only its public half is kept, in ``ledger_key``), so a
    leaked old key cannot sign checkpoints dated after its retirement. The rotation is a
    ``key.rotated`` ledger entry committed with the key change.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from govern.store import table_of

    from ._log import append
    from ._tables import LedgerKey

    old = load_signing_key(path, name=name)
    private = Ed25519PrivateKey.generate()
    new = _public_of(name, private)
    with store.write() as session:  # type: ignore[attr-defined]
        _register(session, old.public)
        _register(session, new)
        table = table_of(LedgerKey)
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
