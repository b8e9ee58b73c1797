"""The SDK front door: ``govern.Workspace`` ties the rooms together.

CLI commands and API routes call one Workspace method each, so the SDK, the CLI and the API
can never disagree. A method that changes state does it in one transaction together with its
ledger entry.
"""

from . import _codes as codes
from ._workspace import Workspace

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # the façade
    "Workspace",
]
