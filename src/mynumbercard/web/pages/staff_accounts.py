"""An administrator's staff accounts: the list, add one, and for a member: disable, a new
password, another role, end their live sessions. The API's services (staff_admin), the
same audit records under the administrator's name; any other role is refused."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    UnknownMunicipality,
)
from mynumbercard.domain.staff import Actor, Permission, Role
from mynumbercard.services import staff as staff_service
from mynumbercard.services import staff_admin
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/accounts")
Username = Annotated[str, Path(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
USERNAME = re.compile(r"[A-Za-z0-9._-]{3,64}")
CODE = re.compile(r"\d{5}")
ROLES = (Role.CLERK, Role.OPERATOR, Role.AUDITOR, Role.ADMIN)  # a person's roles
DONE = {"added", "disabled", "password", "role", "sessions"}


def _list_page(request: Request, actor: Actor, container: ContainerDep, now: NowDep, *,
               status_code: int = 200, errors: dict[str, str] | None = None,
               typed: dict[str, str] | None = None, done: str | None = None) -> HTMLResponse:
    accounts = staff_admin.list_staff(container.uow, actor=actor, now=now)
    return render_staff(request, "staff/accounts.html", actor, status_code=status_code,
                        accounts=accounts, errors=errors or {}, roles=ROLES,
                        typed=typed or {"username": "", "role": "clerk",
                                        "municipality_code": ""},
                        done=done if done in DONE else None)


@router.get("", response_class=HTMLResponse)
def accounts(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
             done: str | None = None) -> HTMLResponse:
    return _list_page(request, actor, container, now, done=done)


def _role_fields(role_text: str, code_text: str,
                 errors: forms.FormErrors) -> tuple[Role | None, str | None]:
    """The role and a clerk's municipality as typed, or the errors beside the fields."""
    role = next((r for r in ROLES if r.value == role_text), None)
    if role is None:
        errors["role"] = "Choose a role"
    code = forms.digits(code_text) or None
    if role is Role.CLERK and (code is None or not CODE.fullmatch(code)):
        errors["municipality_code"] = "A clerk belongs to one municipality: its 5-digit code"
    elif role is not Role.CLERK and code is not None:
        errors["municipality_code"] = "Only a clerk belongs to a municipality: leave it empty"
    return role, code


@router.post("", response_class=HTMLResponse)
def add(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep, *,
        username: str = Form("", max_length=200), password: str = Form("", max_length=1024),
        role: str = Form("", max_length=20),
        municipality_code: str = Form("", max_length=20)) -> Response:
    actor.require(Permission.STAFF_MANAGE)
    name = forms.plain(username)
    typed = {"username": name, "role": role, "municipality_code": municipality_code}
    errors = forms.FormErrors()
    if not USERNAME.fullmatch(name):
        errors["username"] = "A username is 3-64 letters, digits, '.', '_' or '-'"
    if len(password) < 12:
        errors["password"] = "A staff password has at least 12 characters"  # noqa: S105
    chosen, code = _role_fields(role, municipality_code, errors)
    if not errors and chosen is not None:
        try:
            staff_service.add_staff(container.uow, container.hasher, actor=actor,
                                    username=name, password=password, role=chosen,
                                    municipality_code=code, now=now)
        except Conflict as error:
            errors["username"] = error.message
        except UnknownMunicipality as error:
            errors["municipality_code"] = error.message
        except InvalidInput as error:
            errors["username"] = error.message
    if errors:
        return _list_page(request, actor, container, now, status_code=422, errors=errors,
                          typed=typed)
    return RedirectResponse(f"/staff/accounts/{name}?done=added", status_code=303)


def _member_page(request: Request, actor: Actor, container: ContainerDep, now: NowDep,
                 username: str, *, status_code: int = 200,
                 errors: dict[str, str] | None = None, done: str | None = None,
                 ended: int | None = None,
                 typed: dict[str, str] | None = None) -> HTMLResponse:
    accounts = staff_admin.list_staff(container.uow, actor=actor, now=now)
    member = next((a for a in accounts if a.username == username), None)
    if member is None:
        raise NotFound(f"no staff account named {username!r}")
    return render_staff(request, "staff/account.html", actor, status_code=status_code,
                        member=member, roles=ROLES, errors=errors or {},
                        done=done if done in DONE else None, ended=ended,
                        is_self=member.username == actor.name,
                        typed=typed or {"role": member.role.value,
                                        "municipality_code": member.municipality_code or ""})


@router.get("/{username}", response_class=HTMLResponse)
def member(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep, *,
           username: Username, done: str | None = None,
           ended: Annotated[int | None, Query(ge=0, le=10_000)] = None) -> HTMLResponse:
    return _member_page(request, actor, container, now, username, done=done, ended=ended)


def _done(username: str, what: str, ended: int) -> RedirectResponse:
    query = urlencode({"done": what, "ended": ended})
    return RedirectResponse(f"/staff/accounts/{username}?{query}", status_code=303)


def _refused(request: Request, actor: Actor, container: ContainerDep, now: NowDep, *,
             username: str, field: str, error: DomainError) -> HTMLResponse:
    status = 409 if isinstance(error, Conflict) else 422
    return _member_page(request, actor, container, now, username, status_code=status,
                        errors={field: error.message})


@router.post("/{username}/disable")
def disable(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
            username: Username) -> Response:
    try:
        ended = staff_admin.disable_staff(container.uow, actor=actor, username=username,
                                          now=now)
    except Conflict as error:
        return _refused(request, actor, container, now, username=username, field="disable",
                        error=error)
    return _done(username, "disabled", ended)


@router.post("/{username}/password")
def reset_password(request: Request, actor: StaffActor, container: ContainerDep,
                   now: NowDep, *, username: Username,
                   password: str = Form("", max_length=1024)) -> Response:
    try:
        ended = staff_admin.reset_password(container.uow, container.hasher, actor=actor,
                                           username=username, password=password, now=now)
    except InvalidInput as error:
        return _refused(request, actor, container, now, username=username, field="password",
                        error=error)
    return _done(username, "password", ended)


@router.post("/{username}/role")
def change_role(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                *, username: Username, role: str = Form("", max_length=20),
                municipality_code: str = Form("", max_length=20)) -> Response:
    actor.require(Permission.STAFF_MANAGE)
    errors = forms.FormErrors()
    chosen, code = _role_fields(role, municipality_code, errors)
    if errors or chosen is None:
        return _member_page(request, actor, container, now, username, status_code=422,
                            errors=errors, typed={"role": role,
                                                  "municipality_code": municipality_code})
    try:
        ended = staff_admin.change_role(container.uow, actor=actor, username=username,
                                        role=chosen, municipality_code=code, now=now)
    except (Conflict, InvalidInput) as error:
        return _refused(request, actor, container, now, username=username, field="role",
                        error=error)
    except UnknownMunicipality as error:
        return _refused(request, actor, container, now, username=username,
                        field="municipality_code", error=error)
    return _done(username, "role", ended)


@router.post("/{username}/end-sessions")
def end_sessions(actor: StaffActor, container: ContainerDep, now: NowDep,
                 username: Username) -> Response:
    ended = staff_admin.end_sessions(container.uow, actor=actor, username=username, now=now)
    return _done(username, "sessions", ended)
