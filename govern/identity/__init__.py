"""Identity: principals (a name and one role) authenticated by hashed bearer tokens."""

from ._tokens import (
    ROLES,
    Principal,
    Role,
    TokenInfo,
    authenticate,
    create_token,
    list_tokens,
    local_principal,
    principal_by_name,
    revoke_token,
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
    "principal_by_name",
    "local_principal",
]
