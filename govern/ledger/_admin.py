"""Ledger operations for a workspace: functions of a ``Store`` and ``Settings`` the CLI and API call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._checkpoint import Checkpoint
from ._keys import KeyRing, PublicKey, ensure_signing_key, load_signing_key, public_keys, rotate_key, sign_key_list
from ._proofs import sign_checkpoint

if TYPE_CHECKING:
    from govern.core import Settings


def init_keys(store: Any, settings: Settings) -> PublicKey:
    """Create the workspace signing key if needed and register its public half (``govern init``)."""
    return ensure_signing_key(store, settings.key_path, name=settings.origin)


def create_checkpoint(store: Any, settings: Settings, *, actor: str = "govern") -> Checkpoint:
    """Sign the current head with the workspace key, store it, and log ``checkpoint.signed``."""
    key = load_signing_key(settings.key_path, name=_key_name(store, settings))
    with store.write() as session:
        return sign_checkpoint(session, key, origin=settings.origin, actor=actor)


def rotate_signing_key(store: Any, settings: Settings, *, actor: str = "govern") -> tuple[PublicKey, PublicKey]:
    """Retire the workspace signing key and create a new one; returns (old, new) public keys."""
    return rotate_key(store, settings.key_path, name=settings.origin, actor=actor)


def trusted_keys(store: Any) -> KeyRing:
    """Every public key registered in the workspace, current and retired."""
    with store.read() as session:
        return public_keys(session)


def _key_name(store: Any, settings: Settings) -> str:
    # The key signs under the name it was registered with, even if the origin setting changed.
    key = load_signing_key(settings.key_path, name=settings.origin)
    for known in trusted_keys(store).keys:
        if known.public == key.public.public:
            return known.name
    return settings.origin


def export_key_list(store: Any, settings: Settings) -> str:
    """The signed key list (every key with valid-from / retired-at), signed by the current key."""
    key = load_signing_key(settings.key_path, name=_key_name(store, settings))
    return sign_key_list(settings.origin, trusted_keys(store), key)
