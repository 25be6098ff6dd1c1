"""The demo's register: staff accounts to sign in with, synthetic residents, and a few
life events through the same use cases the counter uses (`mynumbercard demo load`)."""

from __future__ import annotations

import random
from datetime import date

from mynumbercard import bootstrap
from mynumbercard.domain.resident import ResidenceStatus, Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.generators.bulk import generate_residents
from mynumbercard.services import register
from mynumbercard.services import staff as staff_service

# Demo accounts only: `make run` prints them; a real deployment creates its own.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the demo on purpose
DEMO_STAFF = (
    ("admin", Role.ADMIN, None),
    ("clerk-chiyoda", Role.CLERK, "13101"),
    ("clerk-sapporo-chuo", Role.CLERK, "01101"),
    ("operator", Role.OPERATOR, None),
    ("auditor", Role.AUDITOR, None),
)
# The demo admin's TOTP secret (base32): printed, so `make run` stays usable; a real
# administrator enrols with `mynumbercard staff totp-enrol`, which makes a random one.
DEMO_TOTP_SECRET = "DEMOADMINTOTPSECRETFORMNCDEMOXYZ"  # noqa: S105 - printed for the demo on purpose
DEMO_SEED = 20261125
DEMO_PIN, DEMO_SIGNATURE_PASSWORD = "1234", "DEMO2026"
DEMO_CLERK_MUNICIPALITIES = frozenset(code for _, _, code in DEMO_STAFF if code)


def load_register(wired: bootstrap.Container, residents: int) -> None:
    """The demo staff (the admin with its TOTP secret), ``residents`` synthetic residents
    and the life events."""
    actor = Actor("demo", Role.ADMIN)
    now = wired.clock()
    for username, role, municipality in DEMO_STAFF:
        staff_service.add_staff(
            wired.uow,
            wired.hasher,
            actor=actor,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            municipality_code=municipality,
            now=now,
        )
    staff_service.enrol_totp(wired.uow, wired.one_time_codes, actor=actor, username="admin",
                             now=now, secret=DEMO_TOTP_SECRET)
    # A quarter lives where the demo clerks work, so their lists are not empty.
    local = residents // 4
    generate_residents(wired.engine, count=local, seed=DEMO_SEED, today=now.date(),
                       only_in=DEMO_CLERK_MUNICIPALITIES)
    generate_residents(wired.engine, count=residents - local, seed=DEMO_SEED + 1,
                       today=now.date())
    _life_events(wired, actor)


def _life_events(wired: bootstrap.Container, actor: Actor) -> None:
    """A birth, an arrival from overseas, a move between wards and a death, through the
    same use cases the counter uses, so the audit log has something to show."""
    now, rng = wired.clock(), random.Random(DEMO_SEED)  # noqa: S311 - reproducible demo
    today = now.date()
    register.register_resident(
        wired.uow,
        actor=actor,
        now=now,
        family_name="山田",
        given_name="陽葵",
        family_name_kana="ヤマダ",
        given_name_kana="ヒマリ",
        birth_date=date(2026, 11, 1),
        sex=Sex.FEMALE,
        municipality_code="13101",
        postal_code="1000001",
        address="千代田1番1号",
        registered_on=min(today, date(2026, 11, 10)),
        rng=rng,
    )
    arrival = register.register_resident(
        wired.uow,
        actor=actor,
        now=now,
        family_name="グエン",
        given_name="ヴァン アン",
        family_name_kana="グエン",
        given_name_kana="ヴァン アン",
        birth_date=date(1998, 3, 14),
        sex=Sex.MALE,
        municipality_code="01101",
        postal_code="0600001",
        address="北一条西2丁目1番地",
        registered_on=date(2025, 4, 1),
        nationality="VN",
        residence_status=ResidenceStatus.LIMITED_STAY,
        period_of_stay_until=date(2028, 3, 31),
        rng=rng,
    )
    register.move_resident(
        wired.uow,
        actor=actor,
        resident_id=arrival.id,
        to_municipality="01102",
        postal_code="0010010",
        address="北十条西4丁目1番地",
        moved_on=date(2026, 4, 1),
        now=now,
    )
    oldest = min(
        (
            register.get_resident(wired.uow, actor=actor, resident_id=i, now=now)
            for i in range(1, 51)
        ),
        key=lambda r: r.birth_date,
    )
    register.record_death(
        wired.uow, actor=actor, resident_id=oldest.id, died_on=today, now=now
    )
