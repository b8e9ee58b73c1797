"""Entry bytes against the independent ``rfc8785`` reference; canonical JSON is stable."""

from __future__ import annotations

import hashlib
import json

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from govern.core import GovernError, canonical_json
from govern.ledger import EVENT_KINDS, GENESIS, entry_bytes, entry_hash

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_canonical_json_matches_rfc8785_and_is_stable(payload: dict) -> None:  # type: ignore[type-arg]
    text = canonical_json(payload)
    assert text == rfc8785.dumps(payload)
    assert canonical_json(json.loads(text)) == text


@given(
    seq=st.integers(1, 2**53 - 1),
    actor=st.text(min_size=1, max_size=20).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)),
    kind=st.sampled_from(sorted(EVENT_KINDS)),
    payload=st.dictionaries(st.text(max_size=10), json_values, max_size=5),
)
def test_entry_bytes_are_the_rfc8785_bytes_of_the_entry(seq: int, actor: str, kind: str, payload: dict) -> None:  # type: ignore[type-arg]
    time = "2025-01-01T00:00:00.000000Z"
    obj = {"seq": seq, "time": time, "actor": actor, "kind": kind, "payload": payload, "prev": GENESIS}
    got = entry_bytes(seq, time, actor, kind, canonical_json(payload).decode(), GENESIS)
    assert got == rfc8785.dumps(obj)
    assert (
        entry_hash(seq, time, actor, kind, canonical_json(payload).decode(), GENESIS) == hashlib.sha256(got).hexdigest()
    )


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")], ids=["nan", "inf", "-inf"])
def test_payload_nan_and_infinities_rejected(bad: float) -> None:
    with pytest.raises(GovernError) as err:
        canonical_json({"x": [bad]})
    assert err.value.code == "canonical_json_error"


def test_genesis_is_64_zeros() -> None:
    assert GENESIS == "0" * 64
