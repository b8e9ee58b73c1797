"""The unsafe test clock: honoured only with the test setting, refused otherwise, marked in the ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from govern import ledger
from govern.core import GovernError, clock_override, utcnow
from govern.workspace import Workspace

PINNED = "2031-06-01T00:00:00Z"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOVERN_NOW", "GOVERN_UNSAFE_NOW", "GOVERN_UNSAFE_TESTING"):
        monkeypatch.delenv(name, raising=False)


def test_real_clock_by_default() -> None:
    assert clock_override() is None
    assert abs((utcnow() - datetime.now(UTC)).total_seconds()) < 5


def test_unsafe_now_without_the_test_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVERN_UNSAFE_NOW", PINNED)
    with pytest.raises(GovernError) as err:
        utcnow()
    assert err.value.code == "unsafe_clock_refused"
    monkeypatch.setenv("GOVERN_UNSAFE_TESTING", "true")  # only exactly "1" enables it
    with pytest.raises(GovernError):
        utcnow()


def test_removed_name_is_refused_not_silently_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVERN_NOW", PINNED)
    monkeypatch.setenv("GOVERN_UNSAFE_TESTING", "1")
    with pytest.raises(GovernError) as err:
        utcnow()
    assert err.value.code == "unsafe_clock_refused"
    assert "GOVERN_UNSAFE_NOW" in err.value.message


def test_pinned_clock_marks_every_ledger_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Workspace.init(tmp_path / ".govern") as ws:
        with ws.store.write() as session:
            honest = ledger.append(session, actor="a", kind="gate.decided", payload={"i": 1})
        monkeypatch.setenv("GOVERN_UNSAFE_NOW", PINNED)
        monkeypatch.setenv("GOVERN_UNSAFE_TESTING", "1")
        assert utcnow() == datetime(2031, 6, 1, tzinfo=UTC)
        with ws.store.write() as session:
            pinned = ledger.append_batch(
                session, [ledger.Event("a", "gate.decided", {"i": 2}), ledger.Event("a", "gate.decided", {"i": 3})]
            )
        monkeypatch.delenv("GOVERN_UNSAFE_NOW")
        assert "unsafe_clock" not in honest.payload
        for entry in pinned:
            assert entry.payload["unsafe_clock"] is True
            assert entry.time == "2031-06-01T00:00:00.000000Z"
        with ws.store.read() as session:
            stored = [e.payload for e in ledger.iter_entries(session)]
        assert [p.get("unsafe_clock", False) for p in stored if "i" in p] == [False, True, True]
        assert ledger.verify(ws.store).size == 3
