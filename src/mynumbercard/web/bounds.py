"""Two ASGI layers around the API: bounded request bodies, and the security headers.

A body is refused with 413 before it is read: by its Content-Length when it has one,
else (chunked) by counting what arrives, holding at most the bound in memory. A photo
route takes the largest photo the rules allow (7 MB, docs/photo.md) as base64 in JSON;
every other route a small JSON body.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

LARGEST_PHOTO = 7_000_000  # bytes, decoded (docs/photo.md: `file_size`)
PHOTO_BODY = (LARGEST_PHOTO + 2) // 3 * 4 + 64 * 1024  # base64 plus the JSON around it
JSON_BODY = 64 * 1024
# A payment service's batch: 500 reports of at most about 250 bytes of JSON each.
BATCH_BODY = 160 * 1024
BATCH_ROUTES = frozenset({"/api/v1/points/reports/batch"})
PHOTO_ROUTES = frozenset({
    "/api/v1/applications/photo-check", "/api/v1/applications/online",
    "/api/v1/applications/mail", "/api/v1/applications/booth",
})
# The /apply page's upload (multipart, the photo as sent): bounded above what any photo
# may be, so that a too-large photo gets the page that says so; beyond, the 413 below.
PAGE_UPLOAD_BODY = 64 * 1024 * 1024
PAGE_UPLOAD_ROUTES = frozenset({"/apply"})
def body_limit(path: str) -> int:
    if path in PHOTO_ROUTES:
        return PHOTO_BODY
    if path in PAGE_UPLOAD_ROUTES:
        return PAGE_UPLOAD_BODY
    if path in BATCH_ROUTES:
        return BATCH_BODY
    return JSON_BODY


class _TooLarge(Exception):
    pass


_TOO_LARGE_PAGE = (
    '<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" '
    'content="width=device-width, initial-scale=1"><title>送信できませんでした</title></head>'
    "<body><main><h1>送信できませんでした</h1><p>送られたデータが大きすぎます。写真は7MB以下の"
    'ものを選んでください。</p><p><a href="/apply">申請のページへ戻る</a></p>'
    '<div lang="en"><h2>Not sent</h2><p>What was sent is too large: choose a photo of at '
    'most 7 MB.</p><p><a href="/apply">Back to the application</a></p></div>'
    "</main></body></html>").encode()


async def _refuse(send: Send, status: int, error: str, message: str,
                  headers: list[tuple[bytes, bytes]] | None = None, *,
                  page: bool = False) -> None:
    """JSON for the API; for a page (a browser's form), a page in both languages."""
    body = _TOO_LARGE_PAGE if page else json.dumps({"error": error, "message": message}).encode()
    kind = b"text/html; charset=utf-8" if page else b"application/json"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BoundedBodies:
    """413 for a body over its route's bound, before the route reads it."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        message = f"the request body is over {limit} bytes, the most this route takes"
        page = scope["path"] in PAGE_UPLOAD_ROUTES  # a browser form: answered as a page
        length = _content_length(scope)
        if length is not None:
            if length > limit:
                await _refuse(send, 413, "body_too_large", message, page=page)
                return
            await self.app(scope, receive, send)  # the server holds the client to its length
            return
        try:
            body = await _read_bounded(receive, limit)
        except _TooLarge:
            await _refuse(send, 413, "body_too_large", message, page=page)
            return
        await self.app(scope, _replay(body, receive), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0  # the server refused bad ones
    return None


async def _read_bounded(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # what comes after the body: a disconnect
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# /docs: Swagger UI from the application's own static files, with FastAPI's inline script.
DOCS_CSP = (b"default-src 'none'; script-src 'self' 'unsafe-inline'; "
            b"style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            b"worker-src blob:; frame-ancestors 'none'")
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect"})
# Purely public rule look-ups: nothing personal in the answer, caching is harmless.
CACHEABLE_PREFIXES = ("/api/v1/rules/",)


class SecurityHeaders:
    """CSP, nosniff, no referrer, no framing on every answer; HSTS behind HTTPS;
    `Cache-Control: no-store` on every answer that has not set its own caching."""

    def __init__(self, app: App, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        added = [
            (b"content-security-policy", DOCS_CSP if path in DOCS_PATHS else API_CSP),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
        ]
        if self.https:
            added.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
        cacheable = path.startswith(CACHEABLE_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in added if n not in names]
                if not cacheable and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
