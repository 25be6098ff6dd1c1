"""Who runs a CLI command: a signed-in staff member (their token in the data directory or
MYNUMBERCARD_TOKEN) or a cron job's service account (its credential file). Resolved once,
as the command starts, so a long job is not cut off when a short token expires."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import typer

from mynumbercard import bootstrap
from mynumbercard.config import Settings
from mynumbercard.domain.errors import AuthenticationFailed, InvalidInput, PermissionDenied
from mynumbercard.domain.staff import Actor, Permission, Role
from mynumbercard.services import staff as staff_service
from mynumbercard.services import staff_admin

TOKEN_ENV = "MYNUMBERCARD_TOKEN"  # noqa: S105 - the variable's name, not a secret
CREDENTIAL_ENV = "MYNUMBERCARD_CREDENTIAL_FILE"
SIGN_IN = "sign in with `mynumbercard staff login USERNAME`"
SESSION_FILE = "session"

# Set by the root command's `--credential FILE` on every run (None when not given).
credential_option: Path | None = None


def session_path(settings: Settings) -> Path:
    return settings.home / SESSION_FILE


def save_token(path: Path, token: str) -> None:
    """Write the token readable by its owner only (0600), from its very creation."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(token + "\n")
    except OSError as error:
        raise InvalidInput(f"cannot write {path}: {error.strerror}") from None


def stored_token(settings: Settings) -> str | None:
    """MYNUMBERCARD_TOKEN, else the session file's token, else None."""
    if token := os.environ.get(TOKEN_ENV, "").strip():
        return token
    path = session_path(settings)
    return path.read_text().strip() or None if path.is_file() else None


def _credential_file() -> Path | None:
    if credential_option is not None:
        return credential_option
    named = os.environ.get(CREDENTIAL_ENV, "").strip()
    return Path(named) if named else None


def _read_credential(path: Path) -> str:
    try:
        mode = path.stat().st_mode
    except OSError:
        raise InvalidInput(f"cannot read the credential file {path}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PermissionDenied(f"the credential file {path} is open to other users: "
                               f"`chmod 600 {path}`")
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"cannot read the credential file {path}") from None


def actor(wired: bootstrap.Container, scope: str) -> Actor:
    """The actor of a command of the group `scope` (jobs, mail, card ...): a service
    account if a credential file is given (it must hold that scope), else the signed-in
    member; refused (exit 5) with how to sign in."""
    now = wired.clock()
    if (path := _credential_file()) is not None:
        return staff_admin.authenticate_service(wired.uow, credential=_read_credential(path),
                                                scope=scope, now=now)
    token = stored_token(wired.settings)
    if token is None:
        raise AuthenticationFailed(f"not signed in: {SIGN_IN}")
    try:
        return staff_service.authenticate(wired.uow, token=token, now=now)
    except AuthenticationFailed:
        raise AuthenticationFailed(
            f"the session has expired or was ended: {SIGN_IN}") from None


def admin(wired: bootstrap.Container, scope: str) -> Actor:
    """The actor, who must be an administrator (the CA's keys, backups)."""
    who = actor(wired, scope)
    if who.role is not Role.ADMIN:
        raise PermissionDenied(f"role {who.role.value} may not do this: an administrator's "
                               "task")
    return who


def permitted(wired: bootstrap.Container, scope: str, permission: Permission) -> Actor:
    """The actor, checked for a permission the use case itself does not check."""
    who = actor(wired, scope)
    who.require(permission)
    return who


def secret(prompt: str, *, from_stdin: bool, confirm: bool = False) -> str:
    """A secret from the terminal without echo, or the next line of standard input."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InvalidInput(f"standard input ended before the {prompt}")
        return line.rstrip("\r\n")
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return value
