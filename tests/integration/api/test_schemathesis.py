"""Property-based API testing with schemathesis against /openapi.json: no 5xx, and every response
(success or problem) matches the documented schema, status codes and content type. Bounded: a few
examples per operation (positive and negative generation), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.content_type_conformance,
    checks.status_code_conformance,
]


@pytest.mark.slow
def test_api_conforms_to_its_schema(tmp_path: Path, db_url: str | None, kit: Any) -> None:
    srv = kit.Server(kit.build_workspace(tmp_path, db_url))
    failures: list[str] = []
    calls = 0
    try:
        schema = schemathesis.openapi.from_url(srv.url + "/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 25
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @given(case=operation.as_strategy(mode))
                @settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))
                def run(case: schemathesis.Case) -> None:
                    nonlocal calls
                    calls += 1
                    case.call_and_validate(base_url=srv.url, headers=srv.ws.auth("root"), checks=CHECKS)

                try:
                    run()
                except Unsatisfiable:  # nothing to get wrong: an operation without parameters
                    continue
                except Exception as exc:  # noqa: BLE001 - collect every operation's failure
                    failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:600]}")
    finally:
        srv.stop()
    assert not failures, "\n\n".join(failures)
    assert calls >= 5 * len(operations)
