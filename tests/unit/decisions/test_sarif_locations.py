"""SARIF results carry a physicalLocation: the policy file (repository-relative uri) and the rule's
line, taken from a real pack loaded from disk; the output validates against the OASIS SARIF 2.1.0
schema with the ``jsonschema`` package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SCHEMA = Path(__file__).resolve().parents[2] / "data" / "schemas" / "sarif-schema-2.1.0.json"

PACK = {
    "pack.yaml": 'apiVersion: govern/v1\nkind: Pack\nmetadata: {name: sarifpack, version: "1.0.0"}\n',
    "policies/fairness.yaml": """\
apiVersion: govern/v1
kind: Policy
metadata: {name: fair, controls: [eu-ai-act/art-10]}
spec:
  gates: [promote]
  rules:
    - id: first-rule
      check: documentation
      require: "value > 2.0"
      onFail: review

    - id: second-rule
      check: documentation
      require: "value > 3.0"
      onFail: deny
""",
}


@pytest.fixture
def validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # Erratum 01 put region's anyOf inside "properties" (oasis-tcs/sarif-spec#578); move it where the
    # spec text puts it (stricter, and the file on disk stays byte-identical to upstream).
    region = schema["definitions"]["region"]
    region["anyOf"] = region["properties"].pop("anyOf")
    # (no check_schema: run.language's pattern "^(?i)..." is valid ECMA-262 but not a Python regex)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _decision(rules: Any, results: list[str]) -> Any:
    from govern.decisions import Decision, Finding

    findings = [
        Finding.of(rule, result=result, value=1.0, message="too little", measurement=None)  # type: ignore[arg-type]
        for rule, result in zip(rules, results, strict=True)
    ]
    return Decision(
        id="d-1",
        gate="promote",
        model="m@1",
        target="production",
        outcome="deny",
        tier="high",
        tier_rule="x",
        requester="ci",
        time="2026-01-01T00:00:00Z",
        packs={},
        evidence={},
        bound_digest="0" * 64,
        facts={},
        findings=findings,
        measurements={},
    )


def test_every_result_has_the_policy_file_and_rule_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validator: Any
) -> None:
    from govern.decisions import render
    from govern.policy import load_packs

    repo = tmp_path / "repo"
    for name, text in PACK.items():
        (repo / "packs" / "sarifpack" / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / "packs" / "sarifpack" / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(repo)
    for given in (Path("packs"), repo / "packs"):  # relative and absolute policy paths
        rules = load_packs([given]).rules
        sarif = json.loads(render(_decision(rules, ["fail", "inconclusive"]), "sarif"))
        assert [f"{e.json_path}: {e.message}" for e in validator.iter_errors(sarif)] == []
        results = sarif["runs"][0]["results"]
        assert len(results) == 2
        lines = {r["ruleId"]: r["locations"][0]["physicalLocation"] for r in results}
        for rule_id, line in (("sarifpack/first-rule", 7), ("sarifpack/second-rule", 12)):
            loc = lines[rule_id]
            assert loc["artifactLocation"] == {
                "uri": "packs/sarifpack/policies/fairness.yaml",
                "uriBaseId": "%SRCROOT%",
            }
            assert loc["region"] == {"startLine": line}
            text = (repo / loc["artifactLocation"]["uri"]).read_text(encoding="utf-8").splitlines()
            assert rule_id.split("/")[1] in text[line - 1]
        assert sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"


def test_a_pack_outside_the_repository_gets_an_absolute_file_uri(tmp_path: Path, validator: Any) -> None:
    from govern.decisions._format import render_sarif
    from govern.policy import load_packs

    pack = tmp_path / "elsewhere" / "sarifpack"
    for name, text in PACK.items():
        (pack / name).parent.mkdir(parents=True, exist_ok=True)
        (pack / name).write_text(text, encoding="utf-8")
    repo = tmp_path / "repo"
    repo.mkdir()
    rules = load_packs([pack]).rules
    sarif = json.loads(render_sarif(_decision(rules, ["fail", "fail"]), root=repo))
    assert list(validator.iter_errors(sarif)) == []
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == (pack / "policies" / "fairness.yaml").as_uri()


def test_a_wrong_location_is_caught_by_the_schema(validator: Any) -> None:
    bad = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "g"}},
                "results": [
                    {"message": {"text": "x"}, "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]}
                ],
            }
        ],
    }
    assert list(validator.iter_errors(bad))
