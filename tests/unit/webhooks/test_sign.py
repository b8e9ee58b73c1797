"""Webhook signatures: HMAC-SHA256 over ``t.body``, checked against an independent computation."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from govern.core import VerificationError
from govern.webhooks import sign, verify_signature

SECRET = "whsec_test"
BODY = b'{"id":"evt_7","kind":"approval.granted","seq":7}'
T = 1_767_225_600


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, timestamp=T) == f"t={T},v1={expected}"
    assert verify_signature(SECRET, sign(SECRET, BODY, timestamp=T), BODY, now=T + 10) == T


@pytest.mark.parametrize(
    ("header", "body", "now", "code"),
    [
        ("v1=abc", BODY, T, "webhook_signature_malformed"),
        ("t=soon,v1=abc", BODY, T, "webhook_signature_malformed"),
        (None, BODY, T + 301, "webhook_signature_stale"),
        (None, BODY + b" ", T, "webhook_signature_invalid"),
        ("wrong_secret", BODY, T, "webhook_signature_invalid"),
    ],
)
def test_bad_signatures_are_refused(header: str | None, body: bytes, now: int, code: str) -> None:
    if header is None:
        header = sign(SECRET, BODY, timestamp=T)
    elif header == "wrong_secret":
        header = sign("whsec_other", BODY, timestamp=T)
    with pytest.raises(VerificationError) as err:
        verify_signature(SECRET, header, body, now=now)
    assert err.value.code == code


def test_any_of_several_v1_values_may_match() -> None:
    # During a secret rotation a sender may include two signatures.
    good = sign(SECRET, BODY, timestamp=T).split("v1=")[1]
    assert verify_signature(SECRET, f"t={T},v1={'0' * 64},v1={good}", BODY, now=T) == T
