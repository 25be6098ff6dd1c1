"""The counter terminal's side of the server's API: ask for an administrative command's
authorization, as the signed-in member (their bearer token). Errors come back as the
domain's errors with the server's message."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from mynumbercard.domain import errors
from mynumbercard.domain.certificate import CertKind

_BY_STATUS: dict[int, type[errors.DomainError]] = {
    401: errors.AuthenticationFailed, 403: errors.PermissionDenied, 404: errors.NotFound,
    409: errors.Conflict, 429: errors.TooManyRequests}
MAX_ANSWER = 64 * 1024


class ServerClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 30) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise errors.InvalidInput("the server is an http:// or https:// URL")
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"ServerClient({self._base!r}, <token>)"

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the URL's scheme is checked above
            self._base + path, data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": f"Bearer {self._token}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:  # noqa: S310
                return dict(json.loads(answer.read(MAX_ANSWER)))
        except urllib.error.HTTPError as refused:
            try:
                message = json.loads(refused.read(MAX_ANSWER)).get("message", "")
            except ValueError:
                message = ""
            error = _BY_STATUS.get(refused.code, errors.InvalidInput)
            raise error(message or f"the server answered {refused.code}") from None
        except (urllib.error.URLError, TimeoutError, ValueError) as failed:
            raise errors.NotFound(f"cannot reach the server {self._base}: {failed}") from None

    def pin_reset_authorization(self, card_number: str, kind: CertKind,
                                challenge: bytes) -> bytes:
        answer = self._post(f"/api/v1/cards/{urllib.parse.quote(card_number, safe='')}"
                            "/pin-reset-authorization",
                            {"kind": kind.value, "challenge": base64.b64encode(challenge).decode()})
        try:
            return base64.b64decode(str(answer["authorization"]), validate=True)
        except (KeyError, ValueError):
            raise errors.InvalidInput("the server's answer carries no authorization") from None
