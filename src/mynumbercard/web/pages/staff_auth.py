"""The staff pages' session: the signed-in member behind the `mnc_staff` cookie (its
token's hash is all the database keeps, as for the API's tokens), the idle timeout, and
the frame every staff page is drawn in (the role's menu)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain.errors import AuthenticationFailed
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import staff as staff_service
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages.templating import render

COOKIE = "mnc_staff"
COOKIE_PATH = "/staff"
HOME = "/staff"


@dataclass(frozen=True, slots=True)
class MenuItem:
    href: str
    label: str  # an English msgid (staff.po)
    permission: Permission


# Each role sees the items its permissions allow. Pages of other branches add theirs.
MENU: list[MenuItem] = [
    MenuItem("/staff/residents", "Residents", Permission.RESIDENT_READ),
    MenuItem("/staff/review", "Review desk", Permission.APPLICATION_REVIEW),
    MenuItem("/staff/accounts", "Staff accounts", Permission.STAFF_MANAGE),
    MenuItem("/staff/jobs", "Batch jobs", Permission.PRODUCTION),
    MenuItem("/staff/audit", "Audit log", Permission.AUDIT_READ),
    MenuItem("/staff/offices", "Offices and hours", Permission.OFFICE_MANAGE),
    MenuItem("/staff/desk", "The day's appointments", Permission.APPOINTMENT_DESK),
    # The operators' console (issue 16, point 4): the production permission's pages,
    # and the certificates' for the roles that suspend and revoke them.
    MenuItem("/staff/production", "Production and shipping", Permission.PRODUCTION),
    MenuItem("/staff/mail", "Outgoing mail", Permission.PRODUCTION),
    MenuItem("/staff/validity", "Wrong-validity audit", Permission.PRODUCTION),
    MenuItem("/staff/certificates", "Revocations and holds", Permission.CERTIFICATE_REVOKE),
    MenuItem("/staff/ca", "Certification authority", Permission.CERTIFICATE_REVOKE),
    MenuItem("/staff/points/settlement", "Points settlement", Permission.POINTS_SETTLEMENT),
    MenuItem("/staff/points/services", "Payment services", Permission.RELYING_PARTY_MANAGE),
    MenuItem("/staff/kiosk/settlement", "Kiosk settlement", Permission.KIOSK_SETTLEMENT),
]


def menu_for(actor: Actor) -> list[MenuItem]:
    return [item for item in MENU if actor.may(item.permission)]


def staff_actor(request: Request, container: ContainerDep, now: NowDep) -> Actor:
    """The member signed in on this browser; each page opened extends the session."""
    token = request.cookies.get(COOKIE, "")
    if not token or len(token) > 200:
        raise AuthenticationFailed("sign in first")
    settings = container.settings
    actor = staff_service.authenticate_idle(
        container.uow, token=token, now=now, idle=settings.token_lifetime,
        longest=timedelta(hours=settings.page_session_hours))
    request.state.frame = {"layout": "staff/frame.html", "actor": actor,
                           "menu": menu_for(actor)}  # a refusal page keeps the frame
    return actor


StaffActor = Annotated[Actor, Depends(staff_actor)]


def render_staff(request: Request, template: str, actor: Actor, *, status_code: int = 200,
                 **context: Any) -> HTMLResponse:
    """A staff page: `render` with the member and their menu for the frame."""
    return render(request, template, status_code=status_code, actor=actor,
                  menu=menu_for(actor), **context)


def secure_cookies(request: Request) -> bool:
    return bool(request.app.state.container.settings.public_base_url.startswith("https://"))
