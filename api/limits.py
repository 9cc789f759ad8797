"""Refuse oversized or anonymous request bodies before reading them.

Starlette reads (and spools to disk) a multipart body in full before a route's dependencies run,
so without this guard an anonymous client could fill the disk with a 250 MB upload that is then
answered 401. This ASGI middleware looks at the headers first: a request with a body to anything
but the sign-in endpoints must carry a valid credential (bearer token or the pages' cookie), a
declared Content-Length over the route's limit is answered 413 at once, and a body without one
(chunked) is counted as it arrives and cut off at the limit.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from models.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: the routes that take an uploaded file (the upload limit applies); others take small bodies
UPLOAD_PATHS = frozenset({"/api/v1/documents", "/upload", "/web/api/documents"})
#: the routes that take a body without a credential (signing in)
PUBLIC_PATHS = frozenset({"/api/v1/login", "/login", "/logout"})
SMALL_BODY = 1024 * 1024  # JSON and forms: pasted facts, corrections, sign-in
COOKIE = "dossier_token"
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})


def _credential(headers: dict[bytes, bytes]) -> str | None:
    auth = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and value:
            return value
    return None


class BodyGuard:
    """See the module docstring. ``authenticate(token)`` answers whether a token is valid."""

    def __init__(self, app: ASGIApp, settings: Settings,
                 authenticate: Callable[[str], bool]) -> None:
        self.app = app
        self.upload_limit = settings.max_upload_mb * 1024 * 1024 + 64 * 1024  # + multipart framing
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _BODYLESS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        path = scope.get("path", "")
        limit = self.upload_limit if path in UPLOAD_PATHS else SMALL_BODY
        declared = headers.get(b"content-length")
        has_body = declared not in (None, b"0") or b"chunked" in headers.get(
            b"transfer-encoding", b"").lower()
        if has_body and path not in PUBLIC_PATHS:
            token = _credential(headers)
            if token is None or not await run_in_threadpool(self.authenticate, token):
                await _reply(send, 401, "未登录或令牌无效：请求体未读取",
                             {"WWW-Authenticate": "Bearer"})
                return
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _reply(send, 400, "Content-Length 无效")
                return
            if size > limit:
                await _reply(send, 413, _too_large(limit))
                return
        await _capped(self.app, scope, receive, send, limit)


def _too_large(limit: int) -> str:
    return f"请求体超过上限（{limit // (1024 * 1024)} MB）"


class _TooLarge(Exception):
    """The body ran past its limit; the 413 has been sent already."""


async def _capped(app: ASGIApp, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """Run ``app`` with a ``receive`` that stops at ``limit`` body bytes: the 413 is sent from
    here (the multipart parser would turn any error into a 400), whatever the app then tries
    to send is dropped, and the request ends."""
    seen = 0
    replied = started = False

    async def counted() -> Message:
        nonlocal seen, replied
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                if not started and not replied:
                    replied = True
                    await _reply(send, 413, _too_large(limit))
                raise _TooLarge()
        return message

    async def guarded(message: Message) -> None:
        nonlocal started
        if replied:
            return
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, counted, guarded)
    except _TooLarge:
        if not replied:
            raise


async def _reply(send: Send, status: int, detail: str,
                 extra: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json; charset=utf-8"),
               (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    headers += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
