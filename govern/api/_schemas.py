"""Request bodies (pydantic at the HTTP edge; unknown fields are 422) and the problem schema."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from govern.core import Role as RoleName


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL; refuse it here (422) on every backend alike.
        if _has_nul(value):
            raise ValueError("text must not contain NUL characters")
        return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class Problem(BaseModel):
    """``application/problem+json`` (RFC 9457) with govern's stable ``code``."""

    type: str
    title: str
    status: int
    detail: str
    code: str


class ModelRegistration(Body):
    name: str = Field(min_length=1, max_length=512)
    version: str = Field(min_length=1, max_length=128)
    run: str | None = Field(None, max_length=512, description="training run id (run:ID or ID)")
    owner: str | None = Field(None, max_length=256, description="accountable owner; a model_owner registers as itself")
    tags: dict[str, str] = Field(default_factory=dict)
    card: dict[str, Any] | None = None
    framework: str | None = Field(None, max_length=64)
    artifact_digest: str | None = Field(None, pattern=r"^sha256:[0-9a-f]{64}$")
    replaces: str | None = Field(None, max_length=700, description="NAME@VERSION this one retrains")


class PromoteRequest(Body):
    target: str = Field(
        pattern=r"^[a-z][a-z0-9_-]{0,31}$",
        description="staging, production, or a target declared in the promotion_targets setting (e.g. champion)",
    )


class VoteRequest(Body):
    justification: str = Field(min_length=1, max_length=4000)


class WaiverRequest(Body):
    model: str = Field(min_length=1, max_length=700, description="NAME@VERSION")
    rule: str = Field(min_length=1, max_length=256, description="pack/rule-id, or rule-id when unique")
    justification: str = Field(min_length=1, max_length=4000)
    expires_at: AwareDatetime


class RollbackRequest(Body):
    stage: Literal["staging", "none", "archived"]
    justification: str = Field(min_length=1, max_length=4000)


class TokenRequest(Body):
    name: str = Field(min_length=1, max_length=256)
    role: RoleName
    expires_at: AwareDatetime | None = None


class WebhookRequest(Body):
    url: str = Field(min_length=1, max_length=2048)
    kinds: list[str] | None = Field(None, description="event kinds; default all webhook kinds")
    secret: str | None = Field(None, min_length=16, max_length=256, description="default: generated, shown once")
