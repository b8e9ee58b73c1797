"""Optional Ed25519 pack signatures.

``pack.sig`` (JSON, next to ``pack.yaml``): ``{"digest": "sha256:...", "public_key": <base64
raw 32 bytes>, "signature": <base64 of Ed25519 over the digest text>}``. The digest covers the
pack's canonical content, so any semantic change to a rule, threshold or control breaks it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from govern.core import GovernError, Location, VerificationError

from ._codes import PACK_KEY_INVALID, PACK_SIGNATURE_INVALID, PACK_SIGNER_UNTRUSTED, PACK_TRUST_MISSING, PACK_UNSIGNED
from ._problems import Problem

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# cryptography is imported where a signature is made or checked (~0.1 s): loading unsigned packs,
# as every `govern gate` does by default, never needs it.

SIGNATURE = "pack.sig"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _load_private(path: Path) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    data = path.read_bytes()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        try:
            seed = base64.b64decode(data.strip(), validate=True) if len(data.strip()) != 32 else data.strip()
            key = Ed25519PrivateKey.from_private_bytes(seed)
        except (ValueError, binascii.Error):
            raise GovernError(
                PACK_KEY_INVALID, "not an Ed25519 private key (PEM or base64 seed)", Location(str(path))
            ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise GovernError(PACK_KEY_INVALID, "the key is not Ed25519", Location(str(path)))
    return key


def _load_public(path: Path) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    data = path.read_bytes()
    try:
        key = serialization.load_pem_public_key(data)
        if isinstance(key, Ed25519PublicKey):
            return _raw_public(key)
    except ValueError:
        try:
            raw = base64.b64decode(data.strip(), validate=True)
            if len(raw) == 32:
                return raw
        except binascii.Error:
            pass
    raise GovernError(PACK_KEY_INVALID, "not an Ed25519 public key (PEM or base64)", Location(str(path)))


def sign_pack(pack_dir: Path, key_file: Path) -> tuple[Path, str]:
    """Sign the (valid) pack in ``pack_dir`` with the Ed25519 key in ``key_file``.

    Writes ``pack.sig`` and returns its path and the base64 public key to trust.
    Raises ``PolicyInvalid`` for an invalid pack, ``GovernError(pack_key_invalid)`` for a bad key.
    """
    from ._load import load_packs

    key = _load_private(key_file)
    (sig_path := pack_dir / SIGNATURE).unlink(missing_ok=True)
    pack = load_packs([pack_dir]).packs[0]
    public = _b64(_raw_public(key.public_key()))
    body = {"digest": pack.digest, "public_key": public, "signature": _b64(key.sign(pack.digest.encode()))}
    sig_path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return sig_path, public


def _check(root: Path, display: str, digest: str) -> tuple[str | None, str | None]:
    """(public key, None) for a good signature, (None, message) for a bad one, (None, None) unsigned."""
    path = root / SIGNATURE
    if not path.is_file():
        return None, None
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        public = base64.b64decode(body["public_key"], validate=True)
        signature = base64.b64decode(body["signature"], validate=True)
        Ed25519PublicKey.from_public_bytes(public).verify(signature, str(body["digest"]).encode())
    except (ValueError, KeyError, TypeError, binascii.Error, InvalidSignature):
        return None, "the signature does not verify"
    if body["digest"] != digest:
        return None, f"the pack changed after it was signed (signed {body['digest']}, now {digest})"
    return body["public_key"], None


def signature_problems(root: Path, display: str, digest: str) -> list[Problem]:
    """A problem when the pack has a ``pack.sig`` that does not match it."""
    _, bad = _check(root, display, digest)
    if bad is None:
        return []
    return [Problem(str(Path(display) / SIGNATURE), 1, 1, "pack_signature_invalid", bad)]


def verify_pack(root: Path, display: str, digest: str, *, require_signed: bool, trusted_keys: Sequence[Path]) -> bool:
    """True when the pack is signed and the signature holds; raises as :func:`load_packs` says."""
    public, bad = _check(root, display, digest)
    where = Location(str(Path(display) / SIGNATURE))
    if bad is not None:
        raise VerificationError(PACK_SIGNATURE_INVALID, bad, where)
    if not require_signed:
        return public is not None
    if public is None:
        raise GovernError(PACK_UNSIGNED, f"pack at {display} is not signed and signed packs are required", where)
    if not trusted_keys:
        raise GovernError(PACK_TRUST_MISSING, "signed packs are required but no trusted public key is configured")
    trusted = {_b64(_load_public(Path(k))) for k in trusted_keys}
    if public not in trusted:
        raise GovernError(PACK_SIGNER_UNTRUSTED, f"pack at {display} is signed by an untrusted key", where)
    return True
