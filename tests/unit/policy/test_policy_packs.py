"""Shipped packs, tiering, approvals, pack identity and signatures, `govern policy test`."""

from __future__ import annotations

import base64
import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govern.cli import EXIT_CODES, error_outcome
from govern.core import GovernError, VerificationError, resource_path
from govern.policy import PackSet, PolicyInvalid, load_catalog, load_packs, run_policy_tests, validate_paths

SHIPPED = resource_path("policies")


@pytest.fixture(scope="module")
def shipped() -> PackSet:
    return load_packs([SHIPPED])


def test_shipped_packs_validate_and_pass_their_tests(cli: type) -> None:
    validate = cli.run("policy", "validate")
    assert validate.returncode == 0, validate.stdout + validate.stderr
    test = cli.run("policy", "test")
    assert test.returncode == 0, test.stdout
    assert "not exercised" not in test.stdout


def test_shipped_pack_names(shipped: PackSet) -> None:
    assert set(shipped.digests) == {"baseline", "eu-ai-act", "llm-application", "nist-ai-rmf", "sr-11-7"}
    assert all(d.startswith("sha256:") and len(d) == 71 for d in shipped.digests.values())


def test_every_rule_cites_existing_controls(shipped: PackSet) -> None:
    catalog = load_catalog()
    for rule in shipped.rules:
        assert rule.controls, rule.qualified_id
        assert set(rule.controls) <= set(catalog), rule.qualified_id
    assert {"eu-ai-act/art-10", "nist-ai-rmf/measure-2.11", "iso-42001/a.7.4", "sr-11-7/v-validation"} <= set(catalog)


@pytest.mark.parametrize(
    ("use_case", "tier"),
    [
        ("social_scoring", "prohibited"),
        ("credit", "high"),
        ("hiring", "high"),
        ("education", "high"),
        ("chatbot", "limited"),
        ("spam_filtering", "minimal"),
        ("", "minimal"),
    ],
)
def test_eu_ai_act_tiering(shipped: PackSet, use_case: str, tier: str) -> None:
    result = shipped.tier({"model": {"name": "m", "use_case": use_case}})
    assert result.tier == tier
    assert result.rule_id.split("/")[0] in shipped.digests


def test_riskiest_tier_across_packs_wins(shipped: PackSet) -> None:
    # baseline flags tagged prohibited models; eu-ai-act alone would say minimal.
    result = shipped.tier({"model": {"name": "m", "use_case": "other", "tags": {"prohibited": "true"}}})
    assert (result.tier, result.rule_id) == ("prohibited", "baseline/prohibited-use")


def test_tiering_missing_is_an_error(tmp_path: Path) -> None:
    packset = load_packs([Path(__file__).parent / "packs" / "costbomb_passes_validation.yaml"])
    with pytest.raises(GovernError) as info:
        packset.tier({"model": {"name": "m"}})
    assert info.value.code == "tiering_missing"


def test_high_tier_needs_two_approvers_from_risk_and_validation(shipped: PackSet) -> None:
    need = shipped.approval_requirement("high")
    assert need.count == 2
    assert need.roles == {"risk_officer", "validator"}
    assert not need.at_least  # two risk officers satisfy it
    assert need.expires_after == timedelta(days=30)
    assert not shipped.approval_requirement("minimal").required


def test_applicable_depends_on_tier_gate_and_when(shipped: PackSet) -> None:
    credit = {"model": {"name": "c", "use_case": "credit"}}
    promote = {r.qualified_id for r in shipped.applicable(credit, "promote")}
    assert {"eu-ai-act/demographic-parity", "sr-11-7/outcomes-analysis", "baseline/card-complete"} <= promote
    assert "baseline/card-present" not in promote  # the lower-tier variant
    retrain = {r.qualified_id for r in shipped.applicable(credit, "retrain")}
    assert "eu-ai-act/drift-retrain" in retrain and "eu-ai-act/demographic-parity" not in retrain
    spam = {r.qualified_id for r in shipped.applicable({"model": {"name": "s", "use_case": "spam"}}, "promote")}
    assert "sr-11-7/outcomes-analysis" not in spam and "baseline/card-present" in spam


def test_thresholds_are_stricter_for_higher_tiers(shipped: PackSet) -> None:
    high = next(r for r in shipped.rules if r.qualified_id == "baseline/performance-floor-high")
    low = next(r for r in shipped.rules if r.qualified_id == "baseline/performance-floor")
    facts = {"model": {"name": "m"}}
    assert low.judge({"value": 0.65}, facts).result == "pass"
    assert high.judge({"value": 0.65}, facts).result == "fail"


def _copy_pack(tmp_path: Path, name: str = "baseline") -> Path:
    target = tmp_path / name
    shutil.copytree(SHIPPED / name, target)
    return target


def test_digest_tracks_content_not_formatting(tmp_path: Path) -> None:
    pack = _copy_pack(tmp_path)
    before = load_packs([pack]).digests["baseline"]
    policy = pack / "baseline.yaml"
    policy.write_text("# a comment changes nothing\n" + policy.read_text(), encoding="utf-8")
    assert load_packs([pack]).digests["baseline"] == before
    policy.write_text(policy.read_text().replace('"value >= 0.60"', '"value >= 0.50"'), encoding="utf-8")
    assert load_packs([pack]).digests["baseline"] != before


def _key(tmp_path: Path) -> tuple[Path, Path]:
    key = Ed25519PrivateKey.generate()
    private = tmp_path / "pack.key"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public = tmp_path / "pack.pub"
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    public.write_text(base64.b64encode(raw).decode())
    return private, public


def test_signed_pack_roundtrip_and_tamper_detection(tmp_path: Path, cli: type) -> None:
    pack = _copy_pack(tmp_path)
    private, public = _key(tmp_path)
    with pytest.raises(GovernError) as info:
        load_packs([pack], require_signed=True, trusted_keys=[public])
    assert info.value.code == "pack_unsigned"

    result = cli.run("policy", "sign", str(pack), "--key", str(private))
    assert result.returncode == 0, result.stderr
    assert public.read_text() in result.stdout
    packset = load_packs([pack], require_signed=True, trusted_keys=[public])
    assert packset.packs[0].signed

    (tmp_path / "other").mkdir()
    _, other = _key(tmp_path / "other")
    with pytest.raises(GovernError) as info:
        load_packs([pack], require_signed=True, trusted_keys=[other])
    assert info.value.code == "pack_signer_untrusted"
    with pytest.raises(GovernError) as info:
        load_packs([pack], require_signed=True)
    assert info.value.code == "pack_trust_missing"

    policy = pack / "baseline.yaml"
    policy.write_text(policy.read_text().replace('"value >= 0.60"', '"value >= 0.10"'), encoding="utf-8")
    with pytest.raises(VerificationError) as verr:
        load_packs([pack])  # an altered signed pack is refused even when signing is optional
    assert verr.value.code == "pack_signature_invalid"
    assert [p.code for p in validate_paths([pack])] == ["pack_signature_invalid"]
    body = json.loads((pack / "pack.sig").read_text())
    assert body["digest"].startswith("sha256:")


def test_policy_test_reports_failures_with_diff_and_unexercised_rules(tmp_path: Path, cli: type) -> None:
    pack = _copy_pack(tmp_path)
    tests = pack / "tests" / "baseline_test.yaml"
    text = tests.read_text()
    text = text.replace("rules: {card-present: fail, performance-floor: fail}", "rules: {card-present: pass}")
    tests.write_text(text, encoding="utf-8")
    extra = (
        "---\napiVersion: govern/v1\nkind: Policy\nmetadata: {name: extra, controls: [iso-42001/a.7.4]}\n"
        "spec: {gates: [promote], rules: [{id: extra-rule, check: lineage, require: complete, onFail: warn}]}\n"
    )
    (pack / "baseline.yaml").write_text((pack / "baseline.yaml").read_text() + extra, encoding="utf-8")
    result = cli.run("policy", "test", str(pack))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "- card-present: pass" in result.stdout and "+ card-present: fail" in result.stdout
    assert "FAIL " in result.stdout and "baseline_test.yaml:" in result.stdout
    assert "not exercised: baseline/extra-rule\n" in result.stdout

    report = run_policy_tests([pack])
    assert not report.ok and report.unexercised == ("baseline/extra-rule",)


def test_load_packs_collects_every_problem(tmp_path: Path) -> None:
    malformed = Path(__file__).parent / "malformed"
    files = [malformed / "rule_bad_on_fail.yaml", malformed / "policy_unknown_control.yaml"]
    with pytest.raises(PolicyInvalid) as info:
        load_packs(files)
    assert {p.code for p in info.value.problems} == {"policy_invalid_value", "unknown_control"}
    assert EXIT_CODES[error_outcome(info.value)] == 2


def test_missing_path_and_folder_without_packs(tmp_path: Path) -> None:
    codes = {p.code for p in validate_paths([tmp_path / "nope", tmp_path])}
    assert codes == {"policy_path_missing", "pack_manifest_missing"}


def test_list_command(cli: type) -> None:
    result = cli.run("policy", "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [p["pack"] for p in data] == ["baseline", "eu-ai-act", "llm-application", "nist-ai-rmf", "sr-11-7"]
    assert all(rule["controls"] for pack in data for rule in pack["rules"])


def test_kinds_keep_classical_rules_off_llm_applications_and_back(shipped: PackSet) -> None:
    classical = {"model": {"name": "credit-risk", "version": "7", "use_case": "credit", "tags": {}}}
    llm = {"model": {"name": "memo-assistant", "version": "1", "use_case": "credit", "tags": {"kind": "llm"}}}
    on_classical = {r.check for r in shipped.applicable(classical, "promote")}
    on_llm = {r.check for r in shipped.applicable(llm, "promote")}
    llm_checks = {"llm_eval", "redteam", "guardrails"}
    assert on_classical & llm_checks == set() and {"fairness", "performance"} <= on_classical
    assert llm_checks <= on_llm and on_llm & {"fairness", "performance", "drift", "explainability"} == set()
    assert {"documentation", "lineage"} <= on_llm  # the card and lineage rules judge both kinds
