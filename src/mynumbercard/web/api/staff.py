"""Staff accounts, for administrators: list, add, disable, new password (each audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from mynumbercard.domain.staff import Role
from mynumbercard.services import staff as staff_service
from mynumbercard.services import staff_admin
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])

Username = Annotated[str, Path(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


class StaffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    role: Role
    municipality_code: str | None
    active: bool
    service: bool = Field(description="A cron job's service account (no password)")
    scopes: list[str] | None = Field(description="The command groups a service account runs")


class NewStaff(BaseModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    password: str = Field(min_length=1, max_length=1024, repr=False)
    role: Role
    municipality_code: str | None = Field(default=None, pattern=r"^\d{5}$",
                                          description="A clerk's municipality")


class NewPassword(BaseModel):
    password: str = Field(min_length=1, max_length=1024, repr=False)


class Ended(BaseModel):
    username: str
    sessions_ended: int


@router.get("", summary="Every staff and service account (administrators)")
def list_staff(actor: ActorDep, container: ContainerDep, now: NowDep) -> list[StaffOut]:
    return [StaffOut.model_validate(row) for row in staff_admin.list_staff(
        container.uow, actor=actor, now=now)]


@router.post("", status_code=201, summary="Add a staff account (administrators)",
             responses={409: {"description": "The username is taken"}})
def add_staff(body: NewStaff, actor: ActorDep, container: ContainerDep,
              now: NowDep) -> StaffOut:
    account = staff_service.add_staff(
        container.uow, container.hasher, actor=actor, username=body.username,
        password=body.password, role=body.role, municipality_code=body.municipality_code,
        now=now)
    return StaffOut.model_validate(staff_admin.describe(account))


@router.post("/{username}/disable", summary="Disable an account and end its sessions",
             responses={404: {"description": "No such account"},
                        409: {"description": "Your own account"}})
def disable(username: Username, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> Ended:
    ended = staff_admin.disable_staff(container.uow, actor=actor, username=username, now=now)
    return Ended(username=username, sessions_ended=ended)


@router.post("/{username}/reset-password", summary="Set a new password; sessions end",
             responses={404: {"description": "No such account"}})
def reset_password(username: Username, body: NewPassword, actor: ActorDep,
                   container: ContainerDep, now: NowDep) -> Ended:
    ended = staff_admin.reset_password(container.uow, container.hasher, actor=actor,
                                       username=username, password=body.password, now=now)
    return Ended(username=username, sessions_ended=ended)


class NewRole(BaseModel):
    role: Role
    municipality_code: str | None = Field(default=None, pattern=r"^\d{5}$",
                                          description="A clerk's municipality")


@router.post("/{username}/role", summary="Change a person's role; their sessions end",
             responses={404: {"description": "No such account"},
                        409: {"description": "Your own account"}})
def change_role(username: Username, body: NewRole, actor: ActorDep, container: ContainerDep,
                now: NowDep) -> Ended:
    ended = staff_admin.change_role(container.uow, actor=actor, username=username,
                                    role=body.role, municipality_code=body.municipality_code,
                                    now=now)
    return Ended(username=username, sessions_ended=ended)


@router.post("/{username}/end-sessions", summary="End every live session of a member",
             responses={404: {"description": "No such account"}})
def end_sessions(username: Username, actor: ActorDep, container: ContainerDep,
                 now: NowDep) -> Ended:
    ended = staff_admin.end_sessions(container.uow, actor=actor, username=username, now=now)
    return Ended(username=username, sessions_ended=ended)
