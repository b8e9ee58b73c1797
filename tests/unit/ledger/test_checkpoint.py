"""Signed checkpoints: round trip, and golden malformed/forged notes named by what they break."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from govern.cli import EXIT_CODES, error_outcome
from govern.core import GovernError, VerificationError
from govern.ledger import KeyRing, key_id, load_signing_key, parse_checkpoint, verify_checkpoint
from govern.ledger._checkpoint import checkpoint_body, sign_body

ORIGIN = "example.org/ledger"
ROOT = bytes(range(32))
HEAD = "ab" * 32


def _key(tmp_path: Path, name: str = "k"):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = tmp_path / f"{name}.pem"
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return load_signing_key(path, name=ORIGIN)


def _signed(tmp_path: Path, time: str = "2025-01-01T00:00:00.000000Z"):  # type: ignore[no-untyped-def]
    key = _key(tmp_path)
    cp = sign_body(checkpoint_body(ORIGIN, 42, ROOT, HEAD, time), key)
    return key, cp, KeyRing([key.public])


def test_round_trip_and_format(tmp_path: Path) -> None:
    key, cp, ring = _signed(tmp_path)
    text = cp.text()
    lines = text.split("\n")
    assert lines[:5] == [
        ORIGIN,
        "42",
        base64.b64encode(ROOT).decode(),
        f"head {HEAD}",
        "time 2025-01-01T00:00:00.000000Z",
    ]
    assert lines[5] == "" and lines[6].startswith(f"\u2014 {ORIGIN} ")
    blob = base64.b64decode(lines[6].split(" ")[2])
    assert blob[:4].hex() == key.public.key_id == key_id(ORIGIN, key.public.public)
    again = parse_checkpoint(text)
    assert again == cp
    assert verify_checkpoint(again, ring, origin=ORIGIN) == key.public
    assert verify_checkpoint(again, KeyRing.parse(ring.dump())).key_id == key.public.key_id


def _flip(text: str, line: int, byte: int) -> str:
    lines = text.split("\n")
    prefix, b64 = lines[line].rsplit(" ", 1)
    raw = bytearray(base64.b64decode(b64))
    raw[byte] ^= 0x01
    lines[line] = f"{prefix} {base64.b64encode(bytes(raw)).decode()}"
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("name", "mutate", "code"),
    [
        ("signature_bit_flipped", lambda t: _flip(t, 6, 10), "checkpoint_signature_invalid"),
        ("key_id_bit_flipped", lambda t: _flip(t, 6, 0), "checkpoint_unknown_key"),
        ("tree_size_edited", lambda t: t.replace("\n42\n", "\n43\n"), "checkpoint_signature_invalid"),
        ("head_edited", lambda t: t.replace(HEAD, "cd" * 32), "checkpoint_signature_invalid"),
        ("key_name_changed", lambda t: t.replace(f"\u2014 {ORIGIN}", "\u2014 other"), "checkpoint_unknown_key"),
    ],
)
def test_forged_checkpoints_rejected(tmp_path: Path, name: str, mutate, code: str) -> None:  # type: ignore[no-untyped-def]
    _, cp, ring = _signed(tmp_path)
    with pytest.raises(VerificationError) as err:
        verify_checkpoint(parse_checkpoint(mutate(cp.text())), ring)
    assert err.value.code == code, name
    assert EXIT_CODES[error_outcome(err.value)] == 1


def test_unknown_key_rejected(tmp_path: Path) -> None:
    _, cp, _ = _signed(tmp_path)
    stranger = _key(tmp_path, "stranger")
    with pytest.raises(VerificationError) as err:
        verify_checkpoint(cp, KeyRing([stranger.public]))
    assert err.value.code == "checkpoint_unknown_key"


def test_wrong_origin_rejected(tmp_path: Path) -> None:
    _, cp, ring = _signed(tmp_path)
    with pytest.raises(VerificationError) as err:
        verify_checkpoint(cp, ring, origin="another.example/log")
    assert err.value.code == "checkpoint_origin_mismatch"


def test_retired_key_verifies_old_checkpoints_only(tmp_path: Path) -> None:
    key, cp, _ = _signed(tmp_path, time="2025-01-01T00:00:00.000000Z")
    retired = KeyRing(
        [type(key.public)(key.public.name, key.public.key_id, key.public.public, "2025-06-01T00:00:00.000000Z")]
    )
    verify_checkpoint(cp, retired)
    late = sign_body(checkpoint_body(ORIGIN, 43, ROOT, HEAD, "2025-07-01T00:00:00.000000Z"), key)
    with pytest.raises(VerificationError) as err:
        verify_checkpoint(late, retired)
    assert err.value.code == "checkpoint_key_retired"


def test_pem_public_key_is_accepted(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    key, cp, _ = _signed(tmp_path)
    pem = (
        key.private.public_key()
        .public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )
    verify_checkpoint(cp, KeyRing.parse(pem))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("unsigned", f"{ORIGIN}\n1\n{base64.b64encode(ROOT).decode()}\nhead {HEAD}\ntime 2025-01-01T00:00:00Z\n"),
        (
            "size_not_decimal",
            f"{ORIGIN}\n0x10\n{base64.b64encode(ROOT).decode()}\nhead {HEAD}\n"
            "time 2025-01-01T00:00:00Z\n\n\u2014 k AAAAAAAA\n",
        ),
        ("root_not_32_bytes", f"{ORIGIN}\n1\nAAAA\nhead {HEAD}\ntime 2025-01-01T00:00:00Z\n\n\u2014 k AAAAAAAA\n"),
        (
            "head_missing",
            f"{ORIGIN}\n1\n{base64.b64encode(ROOT).decode()}\ntime 2025-01-01T00:00:00Z\n\n\u2014 k AAAAAAAA\n",
        ),
        (
            "signature_line_without_dash",
            f"{ORIGIN}\n1\n{base64.b64encode(ROOT).decode()}\nhead {HEAD}\ntime 2025-01-01T00:00:00Z\n\n- k AAAAAAAA\n",
        ),
        ("no_final_newline", f"{ORIGIN}\n1"),
    ],
)
def test_malformed_checkpoints_cannot_verify(name: str, text: str) -> None:
    with pytest.raises(GovernError) as err:
        parse_checkpoint(text)
    assert err.value.code == "checkpoint_malformed", name
    assert EXIT_CODES[error_outcome(err.value)] == 2
