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

    def _post(self, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        """POST ``body`` (GET when it is None) as the signed-in member."""
        request = urllib.request.Request(  # noqa: S310 - the URL's scheme is checked above
            self._base + path, data=None if body is None else json.dumps(body).encode(),
            method="GET" if body is None else "POST",
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
        answer = self._post(_card(card_number, "pin-reset-authorization"),
                            {"kind": kind.value, "challenge": _b64(challenge)})
        return _field(answer, "authorization")

    def chip_plan(self, card_number: str, purpose: str) -> dict[str, Any]:
        """The key pairs to make and the PINs to set: ``{"kinds": [...], "pins": [...]}``."""
        return self._post(_card(card_number, f"chip-plan?purpose={purpose}"), None)

    def chip_authorization(self, card_number: str, *, purpose: str, command: str,
                           challenge: bytes, kind: CertKind | None = None,
                           pins: list[str] | None = None) -> tuple[bytes, bytes]:
        """The authorization of one command, and for a certificate write the certificate."""
        answer = self._post(_card(card_number, "chip-authorization"), {
            "purpose": purpose, "command": command, "challenge": _b64(challenge),
            "kind": kind.value if kind else None, "pins": pins or []})
        certificate = _field(answer, "certificate") if answer.get("certificate") else b""
        return _field(answer, "authorization"), certificate

    def terminal_hand_over(self, card_number: str, identity: dict[str, Any],
                           csrs: dict[CertKind, bytes]) -> dict[str, Any]:
        return self._post(_card(card_number, "terminal-hand-over"), {
            **identity, "csrs": {kind.value: _b64(der) for kind, der in csrs.items()}})

    def terminal_renew(self, card_number: str, csrs: dict[CertKind, bytes]) -> dict[str, Any]:
        return self._post(_card(card_number, "certificates/terminal-renew"), {
            "csrs": {kind.value: _b64(der) for kind, der in csrs.items()}})

    def terminal_correct(self, case_id: int, csrs: dict[CertKind, bytes]) -> dict[str, Any]:
        return self._post(f"/api/v1/corrections/{int(case_id)}/terminal-correct", {
            "csrs": {kind.value: _b64(der) for kind, der in csrs.items()}})

    def custody_step(self, task_id: int, card_number: str,
                     csrs: dict[CertKind, bytes] | None = None) -> dict[str, Any]:
        """The custody task's step, with its card in the reader (a renewal: the CSRs)."""
        return self._post(f"/api/v1/counter-tasks/{int(task_id)}/custody", {
            "card_number": card_number,
            "csrs": {kind.value: _b64(der) for kind, der in (csrs or {}).items()}})

    def next_task(self) -> dict[str, Any] | None:
        """Take this member's oldest pending counter task (None: nothing waits)."""
        task = self._post("/api/v1/counter-tasks/next", {}).get("task")
        return dict(task) if isinstance(task, dict) else None

    def report_task(self, task_id: int, *, ok: bool, message: str,
                    code: str | None = None) -> dict[str, Any]:
        """The outcome: ok, the message (English, a detail) and its code (the page words
        it in the clerk's language)."""
        return self._post(f"/api/v1/counter-tasks/{int(task_id)}/outcome",
                          {"ok": ok, "message": message[:500], "code": code})


def _card(card_number: str, rest: str) -> str:
    return f"/api/v1/cards/{urllib.parse.quote(card_number, safe='')}/{rest}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _field(answer: dict[str, Any], name: str) -> bytes:
    try:
        return base64.b64decode(str(answer[name]), validate=True)
    except (KeyError, ValueError):
        raise errors.InvalidInput(f"the server's answer carries no {name}") from None
