"""Authorise before the look-up, and hide what the actor may not see.

A subject addressed by its id or number (a resident, a card, an application, a shipment)
that belongs to another municipality is answered exactly as an unknown one: the same
NotFound with the same message, so that ids cannot be probed across municipalities.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from mynumbercard.domain.errors import NotFound
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.ports import ResidentRepository

T = TypeVar("T")


def visible(actor: Actor, permission: Permission, *, hidden: str, look_up: Callable[[], T],
            municipalities: Callable[[T], Iterable[str | None]]) -> T:
    """The role first (PermissionDenied tells nothing of what exists), then `look_up()`;
    unless the actor may act in one of the subject's `municipalities`, NotFound(`hidden`),
    the message an unknown subject gets too."""
    actor.require_role(permission)
    try:
        subject = look_up()
    except NotFound:
        raise NotFound(hidden) from None
    if not any(actor.may(permission, municipality_code=code)
               for code in municipalities(subject)):
        raise NotFound(hidden)
    return subject


def hidden_resident(resident_id: int) -> str:
    """The one answer for a resident that does not exist or may not be seen."""
    return f"no resident with id {resident_id}"


class HasResidents(Protocol):
    @property
    def residents(self) -> ResidentRepository: ...


def visible_resident_in(uow: HasResidents, actor: Actor, permission: Permission,
                     resident_id: int) -> Resident:
    """The resident, if the actor may act on them; otherwise as if unknown."""
    return visible(actor, permission, hidden=hidden_resident(resident_id),
                   look_up=lambda: uow.residents.get(resident_id),
                   municipalities=lambda resident: (resident.municipality_code,))
