"""Look-ups on a real database (SQLite and PostgreSQL): folded keys as written and as the
migration backfills them, search by name, kana and address, the review queue's pages."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.tables import applications, audit_log, residents
from mynumbercard.bootstrap import Container
from mynumbercard.domain import search_key
from mynumbercard.domain.application import ApplicationStatus, Channel
from mynumbercard.domain.errors import (
    InvalidApplicationId,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from mynumbercard.domain.resident import Resident, Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import applications as apps
from mynumbercard.services import issuance, lookups, moving, register
from mynumbercard.services.application_ports import FormReason, PhotoVerdict
from mynumbercard.services.lookup_ports import QueueFilter

from conftest import FrozenClock

CHIYODA = Actor("clerk-chiyoda", Role.CLERK, "13101")
CHUO = Actor("clerk-chuo", Role.CLERK, "13102")
OPERATOR = Actor("operator", Role.OPERATOR)
BORN = date(1990, 6, 1)
# Tricky spellings: half-width kana with voiced marks, full-width Latin and digits, the
# ideographic space, a LIKE wildcard, a spacing diacritic that NFKC splits.
AWKWARD = [("ﾔﾏﾀﾞ", "ﾀﾛｳ", "やまだ", "たろう", "１丁目２番　３号"),
           ("ＳＭＩＴＨ", "Ｊｏｈｎ", "スミス", "ジョン", "Ａ棟%_101"),
           ("Ka¸", "ゔぁ", "ｶﾞｯｺｳ", "ﾊﾟﾝ", "千代田 1-1")]


class Accepting:
    def inspect(self, data: bytes) -> PhotoVerdict:
        return PhotoVerdict(True, [])


def _resident(wired: Container, family: str = "山田", given: str = "太郎",
              family_kana: str = "ヤマダ", given_kana: str = "タロウ", *,
              municipality: str = "13101", born: date = BORN, address: str = "千代田1番1号",
              postal_code: str = "1000001") -> Resident:
    clerk = CHIYODA if municipality == "13101" else CHUO
    return register.register_resident(
        wired.uow, actor=clerk, now=wired.clock(), family_name=family, given_name=given,
        family_name_kana=family_kana, given_name_kana=given_kana, birth_date=born,
        sex=Sex.MALE, municipality_code=municipality, postal_code=postal_code,
        address=address, registered_on=born)


def _search(wired: Container, actor: Actor = CHIYODA, **query: Any) -> list[int]:
    found = lookups.search_residents(wired.uow, actor=actor, query=lookups.ResidentQuery(
        **query), now=wired.clock())
    return [r.id or 0 for r in found]


def test_the_migration_backfills_the_keys_as_the_domain_folds(container: Container) -> None:
    engine = container.engine
    migrate.downgrade(engine, "0009")
    now = container.clock()
    rows = [{"family_name": f, "given_name": g, "family_name_kana": fk, "given_name_kana": gk,
             "address": a, "birth_date": BORN, "sex": "male", "municipality_code": "13101",
             "postal_code": "1000001", "nationality": "JP", "residence_status": "national",
             "status": "active", "version": 0, "created_at": now, "updated_at": now}
            for f, g, fk, gk, a in AWKWARD]
    with engine.begin() as conn:
        for row in rows:  # one by one: ids in this order
            conn.execute(insert(residents).values(row))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        stored = conn.execute(select(residents.c.name_key, residents.c.kana_key,
                                     residents.c.address_key).order_by(residents.c.id)).all()
    assert [tuple(s) for s in stored] == [
        (search_key.name_key(f, g), search_key.name_key(fk, gk), search_key.address_key(a))
        for f, g, fk, gk, a in AWKWARD]


def test_a_name_is_found_by_any_spelling_of_its_prefix(container: Container) -> None:
    yamada = _resident(container).id
    _resident(container, "山本", "花子", "ヤマモト", "ハナコ")
    _resident(container, "山田", "次郎", "ヤマダ", "ジロウ", born=BORN + timedelta(days=1))
    for typed in ("山田", "山田 太", "ﾔﾏﾀﾞ", "やまだた", "ヤマダ　タロウ", "ヤ"):
        found = _search(container, name=typed, birth_date=BORN)
        assert yamada in found, typed
    assert _search(container, name="やまも", birth_date=BORN) != [yamada]
    assert _search(container, name="やまだ", birth_date=BORN + timedelta(days=2)) == []
    assert _search(container, name="%", birth_date=BORN) == []  # a wildcard is a character
    with pytest.raises(InvalidInput):
        _search(container, name="やまだ")  # no birth date
    with pytest.raises(InvalidInput):
        _search(container, name="　 ", birth_date=BORN)
    with pytest.raises(InvalidInput):
        _search(container, name="やま\x00", birth_date=BORN)


def test_keys_follow_a_move_and_the_address_prefix_matches(container: Container) -> None:
    resident = _resident(container, address="千代田１丁目２番")
    assert _search(container, postal_code="100-0001", address="千代田1丁目") == [resident.id]
    assert _search(container, postal_code="1000001", address="千代田2") == []
    register.move_resident(container.uow, actor=CHIYODA, resident_id=resident.id or 0,
                           to_municipality="13101", postal_code="1000002",
                           address="皇居外苑１", moved_on=BORN + timedelta(days=400),
                           now=container.clock())
    assert _search(container, postal_code="1000002", address="皇居外苑1") == [resident.id]
    assert _search(container, postal_code="1000001") == []
    with pytest.raises(InvalidInput):
        _search(container, postal_code="100")


def test_a_clerk_finds_only_their_own_municipality(container: Container) -> None:
    mine = _resident(container)
    theirs = _resident(container, municipality="13102")
    assert _search(container, name="やまだ", birth_date=BORN) == [mine.id]
    assert _search(container, OPERATOR, name="やまだ", birth_date=BORN) == sorted(
        [mine.id, theirs.id])
    assert _search(container, OPERATOR, name="やまだ", birth_date=BORN,
                   municipality_code="13102") == [theirs.id]
    assert _search(container, number=theirs.individual_number) == []  # as if unknown
    assert _search(container, number=f" {mine.individual_number} ") == [mine.id]
    with pytest.raises(PermissionDenied):
        _search(container, name="やまだ", birth_date=BORN, municipality_code="13102")
    with pytest.raises(InvalidInput):
        _search(container, number="123456789012")  # the check digit is wrong
    with container.engine.connect() as conn:
        searches = conn.execute(select(audit_log.c.actor, audit_log.c.subject,
                                       audit_log.c.details)
                                .where(audit_log.c.action == "resident:search")).all()
    assert ("clerk-chiyoda", "municipality:13101", {"by": "name", "ids": [mine.id]}) in [
        tuple(s) for s in searches]
    assert all("やまだ" not in str(s.details) for s in searches)  # never the query


def _applied(wired: Container, clock: FrozenClock, resident: Resident, *,
             clerk: Actor = CHIYODA) -> apps.Submitted:
    form = apps.issue_form(wired.uow, actor=clerk, resident_id=resident.id or 0,
                           reason=FormReason.FIRST, now=wired.clock())
    submitted = apps.submit(wired.uow, wired.photos, Accepting(),
                            actor=apps.online_applicant(Channel.PC), channel=Channel.PC,
                            application_id=form.application_id, birth_date=resident.birth_date,
                            photo=b"\xff\xd8 a JPEG", now=wired.clock())
    clock.now += timedelta(days=1)
    return submitted


def test_the_review_queue_pages_oldest_first_and_a_clerk_sees_their_own(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    refs = [_applied(wired, clock, _resident(wired, given=f"太郎{i}")).application.id
            for i in range(5)]
    other = _applied(wired, clock, _resident(wired, municipality="13102"),
                     clerk=CHUO).application.id
    seen: list[int | None] = []
    wanted = QueueFilter(ApplicationStatus.RECEIVED)
    while True:
        page = lookups.application_queue(wired.uow, actor=OPERATOR, wanted=wanted, limit=2,
                                         now=wired.clock())
        seen += [a.id for a in page.applications]
        if page.next is None:
            break
        wanted = QueueFilter(ApplicationStatus.RECEIVED, after=lookups.parse_cursor(page.next))
    assert seen == [*refs, other]
    mine = lookups.application_queue(wired.uow, actor=CHIYODA, limit=50, now=wired.clock(),
                                     wanted=QueueFilter(ApplicationStatus.RECEIVED))
    assert [a.id for a in mine.applications] == refs
    first_day = wired.clock().date() - timedelta(days=4)
    late = lookups.application_queue(wired.uow, actor=OPERATOR, limit=50, now=wired.clock(),
                                     wanted=QueueFilter(ApplicationStatus.RECEIVED,
                                                        channel=Channel.PC,
                                                        received_from=first_day))
    assert len(late.applications) < len(seen)
    assert lookups.application_queue(
        wired.uow, actor=OPERATOR, limit=50, now=wired.clock(),
        wanted=QueueFilter(ApplicationStatus.APPROVED)).applications == []
    with pytest.raises(PermissionDenied):
        lookups.application_queue(wired.uow, actor=CHIYODA, limit=5, now=wired.clock(),
                                  wanted=QueueFilter(ApplicationStatus.RECEIVED,
                                                     municipality_code="13102"))
    with pytest.raises(InvalidInput):
        lookups.parse_cursor("2026-02-30.1")


def test_an_application_by_its_id_and_a_card_by_its_number(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    resident = _resident(wired)
    application = _applied(wired, clock, resident).application
    typed = "－".join([application.application_id[:4], application.application_id[4:]])
    full_width = typed.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert lookups.application_ref(wired.uow, actor=CHIYODA,
                                   application_id=full_width) == application.id
    with pytest.raises(NotFound):
        lookups.application_ref(wired.uow, actor=CHUO, application_id=typed)
    swapped = application.application_id[1] + application.application_id[0] + \
        application.application_id[2:]
    if swapped != application.application_id:
        with pytest.raises(InvalidApplicationId):
            lookups.application_ref(wired.uow, actor=CHIYODA, application_id=swapped)

    apps.approve(wired.uow, actor=OPERATOR, application_ref=application.id or 0,
                 now=wired.clock())
    run = issuance.run_production(wired.uow, wired.vault, actor=OPERATOR, now=wired.clock())
    assert [(p.application, p.resident_id) for p in run.made] == [(application.id,
                                                                   resident.id)]
    number = run.made[0].card_number
    view = lookups.card_view(wired.uow, actor=CHIYODA, card_number=number.lower(),
                             now=wired.clock())
    assert (view.card_number, view.status, view.resident_id) == (
        number, "produced", resident.id)
    assert view.certificates == ()  # written at the counter, on hand-over
    with pytest.raises(NotFound) as unknown:
        lookups.card_view(wired.uow, actor=CHIYODA, card_number="0" * 16, now=wired.clock())
    with pytest.raises(NotFound) as hidden:
        lookups.card_view(wired.uow, actor=CHUO, card_number=number, now=wired.clock())
    assert str(unknown.value) == str(hidden.value)
    with pytest.raises(InvalidInput):
        lookups.card_view(wired.uow, actor=CHIYODA, card_number="XY_Z!", now=wired.clock())
    with pytest.raises(NotFound):  # a registered card's number may be any letters
        lookups.card_view(wired.uow, actor=CHIYODA, card_number="XYZ", now=wired.clock())

    issuance.ship(wired.uow, actor=OPERATOR, now=wired.clock())  # shipped: by its office
    for clerk, expected in ((CHIYODA, [application.id]), (CHUO, [])):
        page = lookups.application_queue(wired.uow, actor=clerk, limit=5, now=wired.clock(),
                                         wanted=QueueFilter(ApplicationStatus.SHIPPED))
        assert [a.id for a in page.applications] == expected


def _holder_towns(wired: Container) -> dict[int, str | None]:
    with wired.engine.connect() as conn:
        return {r.id: r.holder_municipality_code for r in conn.execute(
            select(applications.c.id, applications.c.holder_municipality_code))}


def _queue_ids(wired: Container, actor: Actor, status: ApplicationStatus) -> list[int]:
    page = lookups.application_queue(wired.uow, actor=actor, limit=50, now=wired.clock(),
                                     wanted=QueueFilter(status))
    return [a.id or 0 for a in page.applications]


def test_the_holders_municipality_on_an_application_follows_a_moving_in(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    resident = _resident(wired)
    ref = _applied(wired, clock, resident).application.id or 0
    assert _holder_towns(wired) == {ref: "13101"}
    out = moving.record_moving_out(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                                   to_municipality="13102", planned_on=wired.clock().date(),
                                   now=wired.clock(), ca=wired.ca)
    assert _queue_ids(wired, CHIYODA, ApplicationStatus.RECEIVED) == [ref]  # not moved yet
    moving.record_moving_in(wired.uow, actor=CHUO, birth_date=BORN,
                            moved_in_on=wired.clock().date(), postal_code="1040061",
                            address="銀座1番1号", reference=out.notice.reference,
                            now=wired.clock(), ca=wired.ca, vault=wired.vault)
    assert _holder_towns(wired) == {ref: "13102"}
    # The relocation rule voided it; the voided list is the new municipality's now.
    assert _queue_ids(wired, CHUO, ApplicationStatus.VOIDED) == [ref]
    assert _queue_ids(wired, CHIYODA, ApplicationStatus.VOIDED) == []


def test_a_move_between_wards_takes_the_queue_along(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    tsurumi, kanagawa = (Actor("clerk-tsurumi", Role.CLERK, "14101"),
                         Actor("clerk-kanagawa", Role.CLERK, "14102"))
    resident = register.register_resident(
        wired.uow, actor=tsurumi, now=wired.clock(), family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=BORN,
        sex=Sex.FEMALE, municipality_code="14101", postal_code="2300051",
        address="鶴見中央1番1号", registered_on=BORN)
    ref = _applied(wired, clock, resident, clerk=tsurumi).application.id or 0
    assert _queue_ids(wired, tsurumi, ApplicationStatus.RECEIVED) == [ref]
    register.move_resident(wired.uow, actor=tsurumi, resident_id=resident.id or 0,
                           to_municipality="14102", postal_code="2210822",
                           address="西神奈川1番1号", moved_on=wired.clock().date(),
                           now=wired.clock(), ca=wired.ca)
    assert _holder_towns(wired) == {ref: "14102"}
    assert _queue_ids(wired, kanagawa, ApplicationStatus.RECEIVED) == [ref]
    assert _queue_ids(wired, tsurumi, ApplicationStatus.RECEIVED) == []


def test_the_queue_answers_the_rows_of_the_holders_municipality(
        pki_container: Container, clock: FrozenClock) -> None:
    """The column's queue against the join it replaces, for every status and town, after
    the migration's backfill too."""
    wired = pki_container
    for i in range(6):
        town = ("13101", "13102")[i % 2]
        _applied(wired, clock, _resident(wired, given=f"次郎{i}", municipality=town),
                 clerk=CHIYODA if town == "13101" else CHUO)
    with wired.uow() as uow:
        first = uow.applications.get(1)
    apps.approve(wired.uow, actor=OPERATOR, application_ref=first.id or 0, now=wired.clock())

    def joined(town: str, status: ApplicationStatus) -> list[int]:
        with wired.engine.connect() as conn:
            return list(conn.execute(
                select(applications.c.id).join(residents,
                                               residents.c.id == applications.c.resident_id)
                .where(applications.c.status == status.value,
                       residents.c.municipality_code == town)
                .order_by(applications.c.received_on, applications.c.id)).scalars())

    def every_queue() -> dict[tuple[str, ApplicationStatus], list[int]]:
        return {(clerk.municipality_code or "", status): _queue_ids(wired, clerk, status)
                for clerk in (CHIYODA, CHUO)
                for status in (ApplicationStatus.RECEIVED, ApplicationStatus.APPROVED)}

    before = every_queue()
    assert before == {key: joined(*key) for key in before}
    assert sorted(map(len, before.values())) == [0, 1, 2, 3]
    migrate.downgrade(wired.engine, "0015")
    migrate.upgrade(wired.engine)
    assert every_queue() == before
