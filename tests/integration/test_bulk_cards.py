"""Synthetic registers with cards (``residents generate --with-cards``) on SQLite and
PostgreSQL: every stored date recomputed from the rules with the domain's functions, the
seeded incident found exactly, a certificate cohort on every day, a seed that repeats."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Executable, select, text

from mynumbercard import bootstrap
from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.tables import applications, cards, certificates, residents
from mynumbercard.cli.main import app
from mynumbercard.domain.certificate import JST, validity_window
from mynumbercard.domain.dates import deemed_birthday
from mynumbercard.domain.validity import (
    card_expiry,
    certificate_expiry,
    signature_certificate_allowed,
)
from mynumbercard.generators import bulk, bulk_cards
from mynumbercard.generators.cards import CardHistories
from mynumbercard.generators.register import SyntheticRegister

from cli_checks import runner

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
SHARDS = 64


@pytest.fixture
def bulk_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _rows(engine: Engine, query: str | Executable) -> list[Any]:
    """Rows of a Core query (typed: dates as dates on SQLite too) or of plain SQL."""
    with engine.connect() as conn:
        return list(conn.execute(text(query) if isinstance(query, str) else query).all())


def _aware(moment: datetime) -> datetime:
    """PostgreSQL returns aware timestamps; SQLite keeps the UTC wall time."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _generate(engine: Engine, count: int, *, seed: int, chunk_size: int = 1_000,
              incident_rate: float = 0.0005) -> bulk.Generated:
    return bulk.generate_register(engine, count=count, seed=seed, today=TODAY, now=NOW,
                                  chunk_size=chunk_size, with_cards=True, crl_shards=SHARDS,
                                  incident_rate=incident_rate)


_CARDS = (
    select(cards.c.id, cards.c.resident_id, cards.c.status, cards.c.issued_on,
           cards.c.expires_on, applications.c.received_on, applications.c.kind,
           applications.c.status.label("application_status"), applications.c.arrived_on,
           applications.c.pick_up_deadline, residents.c.birth_date,
           residents.c.period_of_stay_until)
    .join(applications, applications.c.card_id == cards.c.id)
    .join(residents, residents.c.id == cards.c.resident_id)
    .order_by(cards.c.id))
_CERTIFICATES = select(certificates).order_by(certificates.c.id)


def test_every_date_follows_the_rules_but_the_injected_incidents(bulk_engine: Engine) -> None:
    made = _generate(bulk_engine, 3_000, seed=21, incident_rate=0.05)
    held = _rows(bulk_engine, _CARDS)
    assert len(held) == made.cards
    right: dict[int, date] = {}
    wrong: set[int] = set()
    for c in held:
        assert c.application_status == "handed_over"
        assert c.issued_on < c.arrived_on <= c.pick_up_deadline
        assert timedelta(0) <= c.issued_on - c.received_on <= timedelta(days=42)
        assert date(2016, 1, 1) <= c.issued_on <= TODAY
        right[c.id] = card_expiry(birth_date=c.birth_date, applied_on=c.received_on,
                                  issued_on=c.issued_on, residence_until=c.period_of_stay_until)
        if c.expires_on != right[c.id]:
            # The seed's incident: a re-issued card, one year too long, nothing else.
            assert c.kind in ("renewal", "reissue")
            assert c.period_of_stay_until is None
            assert c.expires_on == deemed_birthday(c.birth_date, right[c.id].year + 1)
            wrong.add(c.id)
    assert len(wrong) == made.incidents > 0

    holder = {c.id: c for c in held}
    certificates = _rows(bulk_engine, _CERTIFICATES)
    assert len(certificates) == made.certificates
    issues: dict[tuple[int, datetime], set[str]] = defaultdict(set)
    for cert in certificates:
        card = holder[cert.card_id]
        not_before, not_after = _aware(cert.not_before), _aware(cert.not_after)
        issued_on = not_before.astimezone(JST).date()
        expected = certificate_expiry(birth_date=card.birth_date,
                                      certificate_issued_on=issued_on,
                                      card_expires_on=right[card.id])
        if (not_before, not_after) != validity_window(not_before, expected):
            # Only the certificates capped by an incident card's wrong expiry follow it.
            assert card.id in wrong
            assert not_after.astimezone(JST).date() == card.expires_on == deemed_birthday(
                card.birth_date, expected.year + 1)
        assert card.arrived_on <= issued_on <= TODAY  # picked up at the office, then later
        assert cert.serial == format(int(cert.serial, 16), "x")
        assert int(cert.serial, 16) < 2**127
        assert cert.shard == int(cert.serial, 16) % SHARDS
        assert cert.der is None
        assert (cert.status == "active") == (cert.revoked_at is None)
        issues[(card.id, not_before)].add(cert.kind)
    # Each issue: a user-authentication certificate, a signature one from 15 years old.
    for (card_id, not_before), kinds in issues.items():
        card = holder[card_id]
        adult = signature_certificate_allowed(birth_date=card.birth_date,
                                              on=not_before.astimezone(JST).date())
        assert kinds == ({"sign", "auth"} if adult else {"auth"})
    assert {card_id for card_id, _ in issues} == set(holder)


def test_the_histories_are_plausible(bulk_engine: Engine) -> None:
    made = _generate(bulk_engine, 3_000, seed=22)
    held = _rows(bulk_engine, _CARDS)
    statuses = Counter(c.status for c in held)
    assert set(statuses) <= {"active", "returned", "lost"}
    assert statuses["active"] > 0.8 * len(held)
    assert statuses["returned"] > 0
    active = Counter(c.resident_id for c in held if c.status == "active")
    assert max(active.values()) == 1  # an old card is handed back or reported lost
    valid = {c.resident_id for c in held if c.status == "active" and c.expires_on >= TODAY}
    assert 0.70 < len(valid) / made.residents < 0.86  # uptake about 78 %
    # Cards expired before today were mostly renewed: a newer card of the same holder.
    expired = [c for c in held if c.expires_on < TODAY]
    renewed = {c.resident_id for c in held if c.kind == "renewal"}
    assert sum(c.resident_id in renewed for c in expired) > 0.8 * len(expired)
    # Certificates of a valid active card that expired before today were mostly renewed.
    by_card: dict[int, list[Any]] = defaultdict(list)
    for cert in _rows(bulk_engine, _CERTIFICATES):
        by_card[cert.card_id].append(cert)
    lapsed = renewed_certs = 0
    for c in held:
        if c.status != "active" or c.expires_on < TODAY:
            continue
        latest = max(_aware(cert.not_after) for cert in by_card[c.id])
        for cert in by_card[c.id]:
            if _aware(cert.not_after) < NOW:
                lapsed += 1
                renewed_certs += latest > _aware(cert.not_after)
    assert lapsed > 0
    assert renewed_certs > 0.8 * lapsed
    # One form per card, the holder's latest one alive.
    forms = _rows(bulk_engine, "SELECT resident_id, count(*) AS n, "
                               "sum(CASE WHEN dead_at IS NULL THEN 1 ELSE 0 END) AS live "
                               "FROM application_forms GROUP BY resident_id")
    assert sum(f.n for f in forms) == made.cards
    assert {f.live for f in forms} == {1}


def test_every_day_has_a_certificate_cohort(bulk_engine: Engine) -> None:
    _generate(bulk_engine, 20_000, seed=23, chunk_size=5_000)
    days = {_aware(r.not_after).astimezone(JST).date() for r in _rows(
        bulk_engine, select(certificates.c.not_after))}
    coming = [TODAY + timedelta(days=n) for n in range(3 * 365)]
    assert [day for day in coming if day not in days] == []


def test_every_day_of_three_years_has_a_card_cohort() -> None:
    """Cards expire on birthdays: ~4,400 a year per 100,000 residents in the thinnest
    coming year (2028: the few cards of 2018, minors' cards of 2023), so a run of 20,000
    leaves some days without a card (certificates have one every day, test above);
    100,000, drawn without a database, fill every day, today's notice window included."""
    register = SyntheticRegister(seed=24, today=TODAY, now=NOW)
    histories = CardHistories(seed=24, today=TODAY, now=NOW, crl_shards=SHARDS)
    draft = register.draft(100_000)
    drawn = histories.draw(bulk_cards.holders(draft, 1))
    days = {row[5] for row in drawn.cards}
    # 29 February 2028 is the birthday of those born on a 29 February only: a quarter of
    # a day's cohort, a handful per 100,000 (a few hundred in a country-sized register).
    coming = [TODAY + timedelta(days=n) for n in range(3 * 365)]
    assert [day for day in coming if day not in days] in ([], [date(2028, 2, 29)])


def test_the_seed_gives_the_same_cards_however_chunked(bulk_engine: Engine) -> None:
    made = _generate(bulk_engine, 1_500, seed=25, chunk_size=400)
    stored = [(c.resident_id, c.status, c.issued_on, c.expires_on) for c in _rows(
        bulk_engine, _CARDS)]
    numbers = [r.card_number for r in _rows(bulk_engine, select(cards.c.card_number)
                                            .order_by(cards.c.id))]
    serials = sorted(r.serial for r in _rows(bulk_engine, "SELECT serial FROM certificates"))
    # The same seed drawn again, in one piece and without a database.
    register = SyntheticRegister(seed=25, today=TODAY, now=NOW)
    drawn = CardHistories(seed=25, today=TODAY, now=NOW, crl_shards=SHARDS).draw(
        bulk_cards.holders(register.draft(1_500), 1))
    assert made.cards == len(drawn.cards)
    assert stored == [(row[2] + 1, row[3], row[4], row[5]) for row in drawn.cards]
    assert numbers == [row[1] for row in drawn.cards]
    assert serials == sorted(row[0] for row in drawn.certificates)


def test_a_second_run_with_the_same_seed_draws_new_cards(bulk_engine: Engine) -> None:
    first = _generate(bulk_engine, 800, seed=26, chunk_size=300)
    second = _generate(bulk_engine, 800, seed=26, chunk_size=300)
    total = _rows(bulk_engine, "SELECT count(*) AS n, count(DISTINCT card_number) AS d "
                               "FROM cards")[0]
    assert total.n == total.d == first.cards + second.cards
    orphans = _rows(bulk_engine, """
        SELECT count(*) AS n FROM certificates t LEFT JOIN cards c ON c.id = t.card_id
        WHERE c.id IS NULL""")[0]
    assert orphans.n == 0


def test_the_command_with_cards(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MYNUMBERCARD_HOME", str(tmp_path))
    monkeypatch.delenv("MYNUMBERCARD_DATABASE_URL", raising=False)
    engine = bootstrap.engine()
    migrate.upgrade(engine)
    engine.dispose()
    result = runner.invoke(app, [
        "residents", "generate", "--count", "400", "--seed", "7", "--today", "2026-11-25",
        "--with-cards"])
    assert result.exit_code == 0, result.output
    engine = bootstrap.engine()
    cards = _rows(engine, "SELECT count(*) AS n FROM cards")[0].n
    certificates = _rows(engine, "SELECT count(*) AS n FROM certificates")[0].n
    engine.dispose()
    assert cards > 0
    assert f"with {cards:,} cards and {certificates:,} certificates" in result.output
