"""Identity: principals (a name and one role) authenticated by hashed bearer tokens."""

from . import _codes as codes
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
    token_info,
)

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
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
    "local_principal",
]
