"""Gates, approvals, waivers and re-evaluation through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

FAIR = "credit-risk-lr@1"
BIASED = "credit-risk-gbm@1"


def gate(cli, ws, ref: str, target: str = "production", *extra: str, actor: str = "ci-bot"):
    env = dict(ws.env, GOVERN_ACTOR=actor)
    return cli.run("gate", "promote", ref, "--to", target, "--format", "json", *extra, env=env)


def decision(result) -> dict:
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def stage(cli, ws, ref: str) -> str:
    shown = cli.run("lineage", "show", ref, "--format", "json", "--depth", "1", env=ws.env)
    assert shown.returncode == 0, shown.stderr
    nodes = {n["ref"]: n for n in json.loads(shown.stdout)["nodes"]}
    return str(nodes[ref]["stage"])


def person(ws, who: str) -> dict[str, str]:
    """The environment of ``who`` acting locally: their own token (``--as`` alone is not enough)."""
    return dict(ws.env, GOVERN_TOKEN=ws.tokens[who])


def approve(cli, ws, request: str, who: str, *, verdict: str = "approve"):
    return cli.run(
        "approvals", verdict, request, "--justification", f"reviewed by {who}", "--as", who, env=person(ws, who)
    )


def ledger_kinds(cli, ws) -> list[str]:
    result = cli.run("audit", "log", "--format", "json", env=ws.env)
    assert result.returncode == 0, result.stderr
    return [e["kind"] for e in json.loads(result.stdout)]


def test_high_tier_needs_two_independent_approvers_bound_to_the_evidence(cli, gated):
    first = gate(cli, gated, FAIR)
    assert first.returncode == 3, first.stderr
    d = decision(first)
    assert d["outcome"] == "pending_approval" and d["tier"] == "high"
    request = d["approval"]["request"]
    assert stage(cli, gated, FAIR) == "none"

    owner = approve(cli, gated, request, "bob")
    assert owner.returncode == 2 and "sod_owner_conflict" in owner.stderr
    author = approve(cli, gated, request, "carol")  # wrote the training run
    assert author.returncode == 2 and "sod_author_conflict" in author.stderr
    requester = approve(cli, gated, request, "ci-bot")
    assert requester.returncode == 2 and "sod_requester_conflict" in requester.stderr

    assert approve(cli, gated, request, "rita").returncode == 0
    twice = approve(cli, gated, request, "rita")
    assert twice.returncode == 2 and "approval_duplicate" in twice.stderr
    still = gate(cli, gated, FAIR)
    assert still.returncode == 3  # one person counts once: 1 of 2
    assert decision(still)["approval"]["request"] == request

    assert approve(cli, gated, request, "vera").returncode == 0
    allowed = gate(cli, gated, FAIR)
    assert allowed.returncode == 0, allowed.stdout
    assert decision(allowed)["outcome"] == "allow"
    assert stage(cli, gated, FAIR) == "production"

    # New evidence: what was approved is no longer what is being promoted.
    changed = gated.path.parent / "eval_lr_resampled.csv"
    changed.write_text("".join(gated.scenario.lr_eval.read_text().splitlines(keepends=True)[:-25]))
    added = cli.run(
        "evidence",
        "add",
        FAIR,
        str(changed),
        "--role",
        "evaluation",
        "--label",
        "outcome",
        "--prediction",
        "prediction",
        "--score",
        "score",
        "--sensitive",
        "sex,race",
        env=gated.env,
    )
    assert added.returncode == 0, added.stderr
    again = gate(cli, gated, FAIR)
    assert again.returncode == 3
    assert decision(again)["approval"]["request"] != request
    shown = cli.run("approvals", "show", request, "--format", "json", env=gated.env)
    assert json.loads(shown.stdout)["status"] == "void"
    late = approve(cli, gated, request, "ravi")
    assert late.returncode == 2 and "approval_closed" in late.stderr

    kinds = ledger_kinds(cli, gated)
    for kind in ("approval.requested", "approval.granted", "approval.voided", "stage.changed", "gate.decided"):
        assert kind in kinds
    assert cli.run("audit", "verify", env=gated.env).returncode == 0


def test_deny_rule_blocks_promotion_and_nothing_moves_it(cli, gated):
    denied = gate(cli, gated, BIASED)
    assert denied.returncode == 1
    d = decision(denied)
    failing = {f["rule"] for f in d["findings"] if f["result"] == "fail"}
    assert "eu-ai-act/demographic-parity" in failing
    assert stage(cli, gated, BIASED) == "none"

    sneaky = cli.run(
        "model",
        "rollback",
        BIASED,
        "--to",
        "production",
        "--justification",
        "just do it",
        "--as",
        "rita",
        env=person(gated, "rita"),
    )
    assert sneaky.returncode == 2 and "promotion_requires_gate" in sneaky.stderr

    past = cli.run(
        "waive",
        BIASED,
        "demographic-parity",
        "--justification",
        "temporary",
        "--expires",
        "2020-01-01",
        "--as",
        "rita",
        env=person(gated, "rita"),
    )
    assert past.returncode == 2 and "waiver_expiry_past" in past.stderr
    not_officer = cli.run(
        "waive",
        BIASED,
        "demographic-parity",
        "--justification",
        "x",
        "--expires",
        "2099-01-01",
        "--as",
        "vera",
        env=person(gated, "vera"),
    )
    assert not_officer.returncode == 2 and "role_not_allowed" in not_officer.stderr

    # A waiver that has expired by the time the gate runs does not help either.
    waived = cli.run(
        "waive",
        BIASED,
        "demographic-parity",
        "--justification",
        "pilot",
        "--expires",
        "2030-01-01",
        "--as",
        "rita",
        env=person(gated, "rita"),
    )
    assert waived.returncode == 0, waived.stderr
    later = cli.run(
        "gate",
        "promote",
        BIASED,
        "--to",
        "production",
        "--format",
        "json",
        env=dict(gated.env, GOVERN_UNSAFE_NOW="2031-06-01T00:00:00Z", GOVERN_UNSAFE_TESTING="1", GOVERN_ACTOR="ci-bot"),
    )
    assert later.returncode == 1
    results = {f["rule"]: f["result"] for f in decision(later)["findings"]}
    assert results["eu-ai-act/demographic-parity"] == "fail"
    assert stage(cli, gated, BIASED) == "none"


def test_active_waiver_turns_its_rule_to_waived(cli, gated):
    cli.run(
        "waive",
        BIASED,
        "eu-ai-act/demographic-parity",
        "--justification",
        "pilot",
        "--expires",
        "2099-01-01",
        "--as",
        "rita",
        env=person(gated, "rita"),
    )
    d = decision(gate(cli, gated, BIASED))
    results = {f["rule"]: f["result"] for f in d["findings"]}
    assert results["eu-ai-act/demographic-parity"] == "waived"
    assert d["outcome"] == "deny"  # other deny rules still fail: one waiver, one rule


def test_failed_ledger_write_fails_the_gate_and_promotes_nothing(cli, gated):
    request = decision(gate(cli, gated, FAIR))["approval"]["request"]
    assert approve(cli, gated, request, "rita").returncode == 0
    assert approve(cli, gated, request, "vera").returncode == 0
    _break_ledger(gated)
    broken = gate(cli, gated, FAIR)
    assert broken.returncode == 2
    assert "ledger" in broken.stderr and "Traceback" not in broken.stderr
    assert stage(cli, gated, FAIR) == "none"


def test_flagging_a_dataset_reevaluates_the_production_model(cli, gated):
    request = decision(gate(cli, gated, FAIR))["approval"]["request"]
    approve(cli, gated, request, "rita")
    approve(cli, gated, request, "vera")
    assert gate(cli, gated, FAIR).returncode == 0
    flagged = cli.run(
        "lineage",
        "flag",
        "dataset:credit/applications@1",
        "--reason",
        "personal data without consent found",
        "--format",
        "json",
        env=gated.env,
    )
    assert flagged.returncode == 0, flagged.stderr
    decisions = json.loads(flagged.stdout)
    assert [(x["model"], x["target"]) for x in decisions] == [(FAIR, "production")]
    assert decisions[0]["outcome"] == "deny"  # policies refuse flagged upstream data
    kinds = ledger_kinds(cli, gated)
    assert "lineage.flagged" in kinds and kinds[-1] == "gate.decided"


def test_no_applicable_rule_is_an_error_not_an_allow(cli, gated, tmp_path):
    empty = tmp_path / "empty-pack"
    empty.mkdir()
    (empty / "pack.yaml").write_text("apiVersion: govern/v1\nkind: Pack\nmetadata: {name: empty}\n")
    (empty / "tiering.yaml").write_text(
        "apiVersion: govern/v1\nkind: Tiering\nmetadata: {name: t}\nspec: {default: minimal, rules: []}\n"
    )
    env = dict(gated.env, GOVERN_POLICY_PATHS=json.dumps([str(empty)]), GOVERN_ACTOR="ci-bot")
    result = cli.run("gate", "promote", FAIR, "--to", "staging", env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no_applicable_rule" in result.stderr


def _break_ledger(ws) -> None:
    """A real write failure: the database refuses new ledger entries (as a full disk would)."""
    import sqlalchemy as sa

    from govern.store import Store

    store = Store(ws.database_url or f"sqlite:///{ws.path / 'govern.db'}")
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON ledger_entry BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'disk I/O error'; END $$ LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON ledger_entry FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
    store.dispose()
    del sa


def test_recorded_measurements_are_reused_only_for_identical_inputs(cli, gated):
    """Same inputs: the lineage measurement is reused; after a flag it is measured afresh."""
    from govern.decisions import promote
    from govern.workspace import Workspace

    ws = Workspace.open(gated.path, **({"database_url": gated.database_url} if gated.database_url else {}))
    first = promote(ws.context, FAIR, "staging", "ci-bot")
    again = promote(ws.context, FAIR, "staging", "ci-bot")
    assert again.measurements == first.measurements
    lineage_key = next(f.measurement for f in first.findings if f.rule == "baseline/lineage-complete")
    assert first.measurements[lineage_key]["violations"] == []
    ws.close()
    flagged = cli.run("lineage", "flag", "dataset:credit/bureau-scores@1", "--reason", "license expired", env=gated.env)
    assert flagged.returncode == 0, flagged.stderr
    ws = Workspace.open(gated.path, **({"database_url": gated.database_url} if gated.database_url else {}))
    after = promote(ws.context, FAIR, "staging", "ci-bot")
    ws.close()
    violations = after.measurements[lineage_key]["violations"]
    assert any("bureau-scores" in v for v in violations)
    assert after.outcome == "deny"


def test_local_votes_need_the_persons_own_token_or_recorded_single_user_mode(cli, gated):
    request = decision(gate(cli, gated, FAIR))["approval"]["request"]
    args = ("approvals", "approve", request, "--justification", "looks fine")
    typed_name = cli.run(*args, "--as", "rita", env=gated.env)  # a typed name is not an identity
    assert typed_name.returncode == 2 and "local_token_required" in typed_name.stderr
    assert "Traceback" not in typed_name.stderr
    someone_else = cli.run(*args, "--as", "ravi", env=person(gated, "rita"))
    assert someone_else.returncode == 2 and "identity_mismatch" in someone_else.stderr
    forged = cli.run(*args, env=dict(gated.env, GOVERN_TOKEN="gov_not-a-real-token"))
    assert forged.returncode == 2 and "invalid_token" in forged.stderr
    waive_typed = cli.run(
        "waive", BIASED, "demographic-parity", "--justification", "x", "--expires", "2099-01-01", "--as", "rita",
        env=gated.env,
    )  # fmt: skip
    assert waive_typed.returncode == 2 and "local_token_required" in waive_typed.stderr

    by_token = cli.run(*args, env=person(gated, "rita"))  # no --as: the token's owner acts
    assert by_token.returncode == 0, by_token.stderr
    assert f"approved {request} as rita" in by_token.stdout
    single = cli.run(*args, "--as", "vera", env=dict(gated.env, GOVERN_SINGLE_USER="1"))
    assert single.returncode == 0, single.stderr
    waived = cli.run(
        "waive", BIASED, "demographic-parity", "--justification", "pilot", "--expires", "2099-01-01", "--as", "rita",
        env=dict(gated.env, GOVERN_SINGLE_USER="1"),
    )  # fmt: skip
    assert waived.returncode == 0, waived.stderr

    log = json.loads(cli.run("audit", "log", "--format", "json", env=gated.env).stdout)
    granted = {e["actor"]: e["payload"] for e in log if e["kind"] == "approval.granted"}
    assert "single_user" not in granted["rita"]  # authenticated by her token
    assert granted["vera"]["single_user"] is True  # named only: the ledger says so
    (waiver,) = [e for e in log if e["kind"] == "waiver.granted"]
    assert waiver["actor"] == "rita" and waiver["payload"]["single_user"] is True
