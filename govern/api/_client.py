"""A small HTTP client of the approval API, used by the CLI when ``GOVERN_URL``/``GOVERN_TOKEN`` are set.

Problems come back as the same GovernError subclasses the library raises locally, so the CLI prints
the same message and exits with the same code whether it acted locally or through the API.
"""

from __future__ import annotations

from typing import Any

from govern.core import (
    AuthenticationError,
    ConflictError,
    GovernError,
    NotFoundError,
    PermissionDenied,
    VerificationError,
    parse_time,
)

from ._codes import API_ERROR, API_UNREACHABLE

_BY_STATUS: dict[int, type[GovernError]] = {
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFoundError,
    409: ConflictError,
}


class ApiClient:
    """``ApiClient(url, token)``: calls ``/v1`` routes; raises GovernError on a problem response."""

    def __init__(self, url: str, token: str, *, timeout: float = 60.0) -> None:
        import httpx

        self._http = httpx.Client(
            base_url=url.rstrip("/") + "/v1",
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "govern-cli"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise GovernError(API_UNREACHABLE, f"cannot reach {self._http.base_url}: {exc}") from None
        if response.status_code >= 400:
            raise _problem_error(response)
        return response.json()

    # -- approvals ------------------------------------------------------------------------

    def list_requests(self, *, status: str | None, tier: str | None, model: str | None) -> list[Any]:
        params = {k: v for k, v in {"status": status or "all", "tier": tier, "model": model}.items() if v}
        return [approval_view(d) for d in self.request("GET", "/approvals", params=params)]

    def get_request(self, request_id: str) -> Any:
        return approval_view(self.request("GET", f"/approvals/{request_id}"))

    def vote(self, request_id: str, verdict: str, justification: str) -> Any:
        return approval_view(
            self.request("POST", f"/approvals/{request_id}/{verdict}", json={"justification": justification})
        )


def _problem_error(response: Any) -> GovernError:
    try:
        body = response.json()
        code, detail = str(body["code"]), str(body.get("detail", ""))
    except (ValueError, KeyError, TypeError):
        return GovernError(API_ERROR, f"HTTP {response.status_code} from the API")
    if code.startswith(("ledger_", "webhook_signature")) and response.status_code == 409:
        return VerificationError(code, detail, seq=body.get("seq"))
    return _BY_STATUS.get(response.status_code, GovernError)(code, detail)


def approval_view(data: dict[str, Any]) -> Any:
    """An ``ApprovalView`` from its JSON form (``ApprovalView.to_dict``)."""
    from govern.decisions import ApprovalView, Vote

    votes = [
        Vote(v["approver"], v["role"], v["verdict"], v["justification"], parse_time(v["time"])) for v in data["votes"]
    ]
    return ApprovalView(
        id=data["id"],
        model=data["model"],
        target=data["target"],
        tier=data["tier"],
        status=data["status"],
        requester=data["requester"],
        created_at=parse_time(data["created_at"]),
        expires_at=parse_time(data["expires_at"]),
        required=data["required"],
        reasons=data["reasons"],
        votes=votes,
        decision_id=data["decision"],
        bound_digest=data["bound_digest"],
    )
