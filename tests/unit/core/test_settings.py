"""Settings: files, then explicit values, then ``GOVERN_*`` variables; every bad value is ``settings_error``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from govern.core import GovernError, load_settings


@pytest.fixture(autouse=True)
def _no_govern_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.upper().startswith("GOVERN_")]:
        monkeypatch.delenv(name)


def test_the_environment_beats_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "govern.toml").write_text('[govern]\norigin = "file.example/log"\nmax_body_bytes = 5\n')
    monkeypatch.setenv("GOVERN_ORIGIN", "env.example/log")
    monkeypatch.setenv("govern_require_signed_packs", "yes")  # names are case-insensitive
    monkeypatch.setenv("GOVERN_POLICY_PATHS", '["a", "b"]')  # a list is JSON
    monkeypatch.setenv("GOVERN_NOT_A_SETTING", "1")  # ignored, as before
    settings = load_settings(tmp_path)
    assert (settings.origin, settings.max_body_bytes) == ("env.example/log", 5)
    assert settings.require_signed_packs is True and settings.policy_paths == ["a", "b"]
    assert settings.workspace == tmp_path


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GOVERN_POLICY_PATHS", "not json", "GOVERN_POLICY_PATHS: not a JSON list"),
        ("GOVERN_POLICY_PATHS", '"one"', "policy_paths: Input should be a valid list"),
        ("GOVERN_LOG_RETENTION_DAYS", "30", "log_retention_days: Input should be greater than or equal to 183"),
        ("GOVERN_SINGLE_USER", "maybe", "single_user: Input should be a valid boolean"),
    ],
)
def test_a_bad_variable_is_a_settings_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(GovernError) as err:
        load_settings(tmp_path)
    assert err.value.code == "settings_error" and message in str(err.value)


def test_an_unknown_file_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "govern.toml").write_text("[govern]\nworkspase = 'typo'\n")
    with pytest.raises(GovernError) as err:
        load_settings(tmp_path)
    assert err.value.code == "settings_error" and "workspase" in str(err.value)


def test_promotion_targets_from_the_file_and_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(tmp_path).promotion_targets == {"staging": "staging", "production": "production"}
    (tmp_path / "govern.toml").write_text('[govern.promotion_targets]\nchampion = "production"\n')
    assert load_settings(tmp_path).promotion_targets == {"champion": "production"}
    monkeypatch.setenv("GOVERN_PROMOTION_TARGETS", '{"challenger": "staging"}')  # a table is a JSON object
    assert load_settings(tmp_path).promotion_targets == {"challenger": "staging"}
    for bad in ('{"Champion": "production"}', '{"champion": "prod"}', "{}", "champion"):
        monkeypatch.setenv("GOVERN_PROMOTION_TARGETS", bad)
        with pytest.raises(GovernError) as err:
            load_settings(tmp_path)
        assert err.value.code == "settings_error" and "PROMOTION_TARGETS" in str(err.value).upper()
