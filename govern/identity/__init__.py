"""Identity: principals (a name and one role) authenticated by hashed bearer tokens."""

from ._tokens import (
    ROLES,
    Principal,
    Role,
    TokenInfo,
    authenticate,
    create_token,
    list_tokens,
    principal_by_name,
    revoke_token,
    token_info,
)

__all__ = [
    "ROLES",
    "Role",
    "Principal",
    "TokenInfo",
    "create_token",
    "authenticate",
    "revoke_token",
    "list_tokens",
    "token_info",
    "principal_by_name",
]
