"""Dependencies shared by the routes: settings, the runtime, a database session, the API key."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from fastapi import Depends, Request
from sqlmodel import Session

from notify.pipeline import Runtime
from notify.settings import get_settings
from notify.web.problems import Problem
from subscribers.db import session_scope
from subscribers.keys import has_scope, verify_key


@cache
def get_runtime() -> Runtime:
    return Runtime(get_settings())


def get_session(rt: Runtime = Depends(get_runtime)) -> Iterator[Session]:
    with session_scope(rt.db_url) as session:
        yield session


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def require_scope(scope: str):
    """A dependency that lets a request through only with a live API key carrying ``scope``."""

    def check(request: Request, session: Session = Depends(get_session)):
        token = bearer_token(request)
        challenge = {"WWW-Authenticate": 'Bearer realm="stadtbote"'}
        if token is None:
            raise Problem(401, "Bitte einen API-Schlüssel als Bearer-Token mitsenden.", headers=challenge)
        key = verify_key(session, token)
        if key is None:
            raise Problem(401, "Der API-Schlüssel ist ungültig oder widerrufen.", headers=challenge)
        if not has_scope(key, scope):
            raise Problem(403, f"Dieser API-Schlüssel hat nicht das Recht {scope}.")
        return key

    return check
