"""Witness policies (C2SP tlog-policy), cosignature v1 checks, and key lifetimes, without a database."""

from __future__ import annotations

import struct

import pytest
from tlog_witness import LoopbackWitness

from govern.core import GovernError, VerificationError
from govern.ledger import KeyRing, PublicKey, WitnessKey, WitnessPolicy, parse_checkpoint, verify_checkpoint
from govern.ledger._checkpoint import checkpoint_body, sign_body
from govern.ledger._keys import _public_of

W1, W2, W3 = (LoopbackWitness(f"witness.test/w{i}") for i in (1, 2, 3))


def _log_key():  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from govern.ledger import SigningKey

    private = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)
    return SigningKey("log.test", private, _public_of("log.test", private))


KEY = _log_key()
CP = sign_body(checkpoint_body("log.test", 5, b"\x01" * 32, "ab" * 32, "2026-01-01T00:00:00Z"), KEY)


def test_policy_quorum_with_groups() -> None:
    policy = WitnessPolicy.parse(
        f"# comment\nlog {KEY.public.verifier_key()}\nwitness a {W1.vkey()}\nwitness b {W2.vkey()} https://b\n"
        f"witness c {W3.vkey()}\ngroup ab 2 a b\ngroup any-ab-or-c any ab c\nquorum any-ab-or-c\n"
    )
    assert policy.satisfied({"c"}) and policy.satisfied({"a", "b"})
    assert not policy.satisfied({"a"}) and not policy.satisfied(set())
    assert WitnessPolicy.parse("quorum none\n").satisfied(set())


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (f"witness a {W1.vkey()}\nwitness a {W2.vkey()}\nquorum a\n", 2),  # name defined twice
        (f"witness a {W1.vkey()}\nwitness b {W1.vkey()}\nquorum a\n", 2),  # duplicate key
        (f"witness a {W1.vkey()}\ngroup g 2 a\nquorum g\n", 2),  # threshold above the member count
        (f"witness a {W1.vkey()}\ngroup g 0 a\nquorum g\n", 2),
        (f"witness a {W1.vkey()}\ngroup g any a z\nquorum g\n", 2),  # member not defined earlier
        (f"witness a {W1.vkey()}\nquorum b\n", 2),
        (f"witness a {W1.vkey()}\nquorum a\nquorum a\n", 3),
        (f"witness a {KEY.public.verifier_key()}\nquorum a\n", 1),  # a log key (type 0x01) as witness
        ("witnesses a b\nquorum none\n", 1),
        (f"witness a {W1.vkey()[:-4]}AAAA\nquorum a\n", 1),  # key id no longer matches
    ],
    # the witnesses' keys are generated per process: name the cases so xdist workers agree
    ids=[
        "name-twice",
        "duplicate-key",
        "threshold-above-members",
        "threshold-zero",
        "member-undefined",
        "quorum-undefined",
        "quorum-twice",
        "log-key-as-witness",
        "unknown-keyword",
        "key-id-mismatch",
    ],
)
def test_malformed_policies_are_located(text: str, line: int) -> None:
    with pytest.raises(GovernError) as err:
        WitnessPolicy.parse(text, source="policy.txt")
    assert err.value.code in {"witness_policy_invalid", "witness_key_invalid"}
    assert err.value.location is not None and err.value.location.line == line


def test_policy_without_quorum_line() -> None:
    with pytest.raises(GovernError, match="no quorum"):
        WitnessPolicy.parse(f"witness a {W1.vkey()}\n")


def test_cosignature_v1_verifies_and_tampering_is_caught() -> None:
    key = WitnessKey.parse(W1.vkey())
    line = W1.cosign(CP.body)
    cosigned = parse_checkpoint(CP.text() + line)
    timestamp = key.cosignature(cosigned)
    assert timestamp is not None and timestamp > 1_700_000_000
    assert WitnessKey.parse(W2.vkey()).cosignature(cosigned) is None  # another witness: not cosigned
    other = sign_body(checkpoint_body("log.test", 6, b"\x01" * 32, "ab" * 32, "2026-01-01T00:00:00Z"), KEY)
    with pytest.raises(VerificationError) as err:  # the line moved onto another checkpoint
        key.cosignature(parse_checkpoint(other.text() + line))
    assert err.value.code == "cosignature_invalid"
    zero = LoopbackWitness("witness.test/w1", key=W1.key, clock=lambda: 0)
    with pytest.raises(VerificationError, match="timestamp 0"):
        key.cosignature(parse_checkpoint(CP.text() + zero.cosign(CP.body)))
    assert struct.calcsize(">Q") == 8


def test_retired_key_lifetime_rules() -> None:
    def key(**kw: object) -> KeyRing:
        base = KEY.public
        return KeyRing([PublicKey(base.name, base.key_id, base.public, **kw)])  # type: ignore[arg-type]

    verify_checkpoint(CP, key(retired="2026-01-01T00:00:00Z", retired_size=5, retired_root=b"\x01" * 32))
    for ring in (
        key(retired="2025-12-31T23:59:59Z"),  # signed after the retirement time
        key(retired="2027-01-01T00:00:00Z", retired_size=4),  # covers more than the log had
        key(retired="2027-01-01T00:00:00Z", retired_size=5, retired_root=b"\x02" * 32),  # a fork at that size
    ):
        with pytest.raises(VerificationError) as err:
            verify_checkpoint(CP, ring)
        assert err.value.code == "checkpoint_key_retired"
