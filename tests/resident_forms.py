"""A resident with a live application form, for the resident pages' browser tests."""

from __future__ import annotations

from datetime import date

from mynumbercard.bootstrap import Container
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import applications as apps
from mynumbercard.services import register
from mynumbercard.services.application_ports import FormReason

CLERK = Actor("clerk-chiyoda", Role.CLERK, "13101")


def new_form(wired: Container, born: date) -> str:
    """A new resident of Chiyoda born on `born`, and the Application ID of their form."""
    person = register.register_resident(
        wired.uow, actor=CLERK, now=wired.clock(), family_name="佐藤", given_name="美咲",
        family_name_kana="サトウ", given_name_kana="ミサキ", birth_date=born, sex=Sex.FEMALE,
        municipality_code="13101", postal_code="1000001", address="千代田1番1号",
        registered_on=born)
    return apps.issue_form(wired.uow, actor=CLERK, resident_id=person.id or 0,
                           reason=FormReason.FIRST, now=wired.clock()).application_id
