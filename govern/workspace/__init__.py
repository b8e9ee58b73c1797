"""The SDK front door: ``govern.Workspace`` ties the rooms together.

CLI commands and API routes call one Workspace method each, so the SDK, the CLI and the API
can never disagree. A method that changes state does it in one transaction together with its
ledger entry.
"""

from ._workspace import Workspace

__all__ = ["Workspace"]
