"""Demo applications in every state, replayed on a simulated clock over the past six
weeks, so the seed's "about three weeks" from application to the office shows in the
history of each application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from mynumbercard import bootstrap
from mynumbercard.chip import transfer
from mynumbercard.domain.application import Channel, DeficiencyReason
from mynumbercard.domain.dates import age_on
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.generators.sample_portrait import sample_portrait
from mynumbercard.services import applications as apps
from mynumbercard.services import issuance, moving, notices, pickup, register
from mynumbercard.services.application_ports import FormReason

OPERATOR = Actor("operator", Role.OPERATOR)
CHIYODA = Actor("clerk-chiyoda", Role.CLERK, "13101")
SHINJUKU = Actor("clerk-shinjuku", Role.CLERK, "13104")
BOOTH = Actor("booth-demo", Role.BOOTH)
HANDED_OVER_CARD = "picked-up.json"  # under var/cards/: the card handed over at the counter
DEMO_PINS = {PinKind.SIGNATURE: "DEMO2026", PinKind.USER_AUTH: "1234",
             PinKind.RESIDENT_REGISTER: "1234", PinKind.CARD_INFO: "1234"}


def _adults(wired: bootstrap.Container, municipality: str, count: int,
            today: date) -> list[Resident]:
    found = register.list_residents(wired.uow, actor=OPERATOR, municipality_code=municipality,
                                    now=wired.clock(), limit=200)
    adults = [r for r in found if 20 <= age_on(r.birth_date, today) <= 80]
    return adults[:count]


def load_applications(wired: bootstrap.Container) -> dict[str, int]:
    """Applications received, in review, deficient, approved, in production, shipped,
    ready for pick-up, handed over and voided; the notices of issuance under var/letters."""
    end = wired.clock()
    today = end.date()

    def at(days_ago: int) -> datetime:
        return end - timedelta(days=days_ago)

    chiyoda = _adults(wired, "13101", 10, today)
    sapporo = _adults(wired, "01101", 1, today)
    people = dict(zip("ABCDEGHIJK", chiyoda, strict=False)) | dict(zip("F", sapporo,
                                                                       strict=False))
    photo = sample_portrait()
    refs: dict[str, int] = {}

    def apply(key: str, days_ago: int, channel: Channel = Channel.PC) -> None:
        if key not in people:
            return  # a small demo register has fewer adults than the story needs
        resident = people[key]
        form = apps.issue_form(wired.uow, actor=OPERATOR, resident_id=resident.id,
                               reason=FormReason.FIRST, now=at(days_ago + 14))
        actor = BOOTH if channel is Channel.PHOTO_BOOTH else apps.online_applicant(channel)
        made = apps.submit(wired.uow, wired.photos, wired.photo_inspector, actor=actor,
                           channel=channel, application_id=form.application_id,
                           birth_date=resident.birth_date, photo=photo, now=at(days_ago))
        refs[key] = made.application.id

    def each(keys: str, days_ago: int, step: Callable[..., object]) -> None:
        for key in (k for k in keys if k in refs):
            step(wired.uow, actor=OPERATOR, application_ref=refs[key], now=at(days_ago))

    for key, channel in zip("ABCD", (Channel.PC, Channel.SMARTPHONE, Channel.PHOTO_BOOTH,
                                     Channel.PC), strict=True):
        apply(key, 40, channel)
    each("ABCD", 37, apps.start_review)
    each("ABCD", 36, apps.approve)
    issuance.run_production(wired.uow, wired.vault, actor=OPERATOR, now=at(33))
    shipped = issuance.ship(wired.uow, actor=OPERATOR, now=at(30))
    for shipment in shipped.shipments:
        issuance.receive_shipment(wired.uow, actor=Actor("admin", Role.ADMIN),
                                  shipment_id=shipment, now=at(27))
    letters = wired.letters_to(wired.settings.home / "letters")
    notices.print_issuance_notices(wired.uow, wired.letter_printer, letters, actor=OPERATOR,
                                   now=at(26), base_url=wired.settings.public_base_url)
    apply("E", 25)
    apply("F", 25, Channel.SMARTPHONE)
    each("EF", 22, apps.approve)
    if "A" in refs:
        handed = pickup.hand_over(
            wired.uow, wired.vault, wired.ca, actor=CHIYODA,
            card_number=_card_number(wired, refs["A"]),
            identity=pickup.InPerson(frozenset({IdDocument.DRIVERS_LICENCE})),
            notice_presented=True, pins=DEMO_PINS, now=at(20))
        # The card leaves the office with its holder, who keeps it beside the demo cards.
        holder = wired.settings.home / "cards"
        holder.mkdir(parents=True, exist_ok=True)
        transfer.put(holder / HANDED_OVER_CARD, handed.card)
    if "C" in people:  # moved out of Chiyoda, into Shinjuku with the certificate
        out = moving.record_moving_out(wired.uow, actor=CHIYODA, resident_id=people["C"].id,
                                       to_municipality="13104", planned_on=at(19).date(),
                                       now=at(19), ca=wired.ca)
        moving.record_moving_in(wired.uow, actor=SHINJUKU, reference=out.notice.reference,
                                birth_date=people["C"].birth_date, moved_in_on=at(19).date(),
                                postal_code="1600022", address="新宿三丁目1番1号",
                                now=at(18), ca=wired.ca, vault=wired.vault)
    issuance.run_production(wired.uow, wired.vault, actor=OPERATOR, now=at(16))
    issuance.ship(wired.uow, actor=OPERATOR, now=at(14))
    apply("G", 10)
    each("G", 8, apps.approve)
    issuance.run_production(wired.uow, wired.vault, actor=OPERATOR, now=at(3))
    apply("H", 7, Channel.SMARTPHONE)
    each("H", 2, apps.approve)
    apply("I", 5)
    each("I", 4, lambda uow, **kw: apps.mark_deficient(
        uow, reason=DeficiencyReason.PHOTO,
        message="背景に家具が写っています。無地の背景で撮り直してください。", **kw))
    apply("J", 3, Channel.PHOTO_BOOTH)
    each("J", 1, apps.start_review)
    apply("K", 1)
    return refs


def _card_number(wired: bootstrap.Container, ref: int) -> str:
    with wired.uow() as uow:
        return uow.cards.get(uow.applications.get(ref).card_id or 0).card_number
