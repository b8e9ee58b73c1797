"""Check parameters are validated when a pack compiles, located at the offending key or value.

Each file of ``malformed_params/`` names what it breaks and starts with
``# expect: check_params_invalid line <L> col <C>``. The schemas belong to the checks
(``govern.checks.param_problems``) and are injected into the policy loader, which imports only core.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govern.checks import param_problems
from govern.core import resource_path
from govern.policy import PolicyInvalid, load_packs, run_policy_tests, validate_paths

CORPUS = Path(__file__).parent / "malformed_params"
FILES = sorted(CORPUS.glob("*.yaml"))
_HEADER = re.compile(r"^# expect: (?P<code>[a-z_]+) line (?P<line>\d+) col (?P<col>\d+)$")


def expected(path: Path) -> tuple[str, int, int]:
    match = _HEADER.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert match, f"{path.name} lacks its '# expect: <code> line <L> col <C>' header"
    return match["code"], int(match["line"]), int(match["col"])


def test_corpus_covers_every_check() -> None:
    assert len(FILES) >= 20
    checks = {p.stem.split("_", 1)[0] for p in FILES}
    assert checks == {"fairness", "drift", "performance", "explainability", "documentation", "lineage"}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_validate_cli_locates_the_bad_parameter(path: Path, cli: type) -> None:
    code, line, col = expected(path)
    result = cli.run("policy", "validate", str(path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.splitlines()[0].startswith(f"{path}:{line}:{col}: {code}: rule 'r1': ")


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_load_refuses_the_pack_with_the_located_problem(path: Path) -> None:
    code, line, col = expected(path)
    with pytest.raises(PolicyInvalid) as err:
        load_packs([path], check_params=param_problems)
    assert [(p.line, p.col, p.code) for p in err.value.problems] == [(line, col, code)]
    with pytest.raises(PolicyInvalid):
        run_policy_tests([path], check_params=param_problems)


def test_messages_name_the_parameter_and_suggest_the_spelling() -> None:
    (typo,) = validate_paths([CORPUS / "fairness_metric_misspelt_key.yaml"], check_params=param_problems)
    assert "unknown parameter 'metrc'; did you mean 'metric'?" in typo.message
    (negative,) = validate_paths([CORPUS / "fairness_replicates_negative.yaml"], check_params=param_problems)
    assert "replicates" in negative.message and "greater than or equal to 0" in negative.message
    (union,) = validate_paths([CORPUS / "drift_features_not_all.yaml"], check_params=param_problems)
    assert "features: " in union.message and "'all'" in union.message  # one problem for the union, not two


def test_without_the_injected_schemas_the_policy_room_checks_only_its_own_schema() -> None:
    assert validate_paths([CORPUS / "fairness_metric_misspelt_key.yaml"]) == []


def test_shipped_packs_have_valid_parameters() -> None:
    assert validate_paths([resource_path("policies")], check_params=param_problems) == []


def test_policy_test_cli_refuses_bad_parameters(cli: type) -> None:
    path = CORPUS / "performance_metric_unknown.yaml"
    result = cli.run("policy", "test", str(path))
    assert result.returncode == 2 and "check_params_invalid" in result.stderr, result.stderr


def test_workspace_load_refuses_bad_parameters(tmp_path: Path) -> None:
    from govern.workspace import Workspace

    path = CORPUS / "lineage_unknown_parameter.yaml"
    with Workspace.init(tmp_path / ".govern", policy_paths=[str(path)]) as ws, pytest.raises(PolicyInvalid) as err:
        ws.packs  # noqa: B018 - compiling is the point
    assert err.value.problems[0].code == "check_params_invalid"


@pytest.mark.parametrize("command", ["validate", "test", "list"])
def test_unknown_format_is_bad_input_in_one_line(command: str, cli: type) -> None:
    result = cli.run("policy", command, "--format", "xml")
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("govern: invalid_format: --format must be one of text, ") and line.endswith(", not 'xml'")
