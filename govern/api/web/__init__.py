"""The web inbox: server-rendered pages for risk officers, validators and auditors.

Mounted at ``/`` by :func:`govern.api.create_app`. Sign in with a bearer token to get a
server-side session (HttpOnly, SameSite=Strict cookie; CSRF token on every form); the inbox of
open approval requests, a request page with findings, charts, lineage, model card and review
forms, and a ledger page. Every action is a call into :mod:`govern.decisions`.
"""

from ._charts import wilson_interval
from ._routes import router
from ._sessions import SESSION_TTL

__all__ = [
    # the FastAPI router mounted at /
    "router",
    # settings and helpers
    "SESSION_TTL",
    "wilson_interval",
]
