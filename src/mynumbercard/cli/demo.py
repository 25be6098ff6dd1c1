"""`mynumbercard demo load`: a register to explore, with staff accounts to sign in with."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pyotp
import typer
from rich.console import Console
from rich.table import Table

from mynumbercard import bootstrap
from mynumbercard.adapters import ca_setup
from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.bulk import generate_residents, load_municipalities
from mynumbercard.cli.card import issue_demo_card
from mynumbercard.cli.demo_applications import HANDED_OVER_CARD, load_applications
from mynumbercard.domain.certificate import RevocationReason, parse_serial
from mynumbercard.domain.loss import ReportedVia
from mynumbercard.domain.resident import ResidenceStatus, Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import certificates, crls, loss, register
from mynumbercard.services import staff as staff_service

app = typer.Typer(help="Demo data.", no_args_is_help=True)

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


@app.command()
def load(
    residents: int = typer.Option(2000, "--residents", help="Synthetic residents to add."),
) -> None:
    """Load demo staff, a synthetic register and a few life events (once; idempotent);
    on a new data directory it migrates the database first (`db upgrade`)."""
    with bootstrap.container() as wired:
        migrate.upgrade(wired.engine)  # a fresh directory has no schema yet
        load_municipalities(wired.engine)
        _own_passphrase_file(wired)
        _load(wired, residents)


def demo_passphrase_file(home: Path) -> Path:
    """The demo's CA passphrase: in the data directory, never beside the keys."""
    return home / "secrets" / "ca-passphrase"


def _own_passphrase_file(wired: bootstrap.Container) -> None:
    """Without a passphrase from the operator, the demo keeps its own (0600 in a 0700
    directory) and points at it; one an older version left beside the keys moves there."""
    settings = wired.settings
    if settings.ca_passphrase or settings.pkcs11_module:
        return
    target = settings.ca_passphrase_file or demo_passphrase_file(settings.home)
    old = settings.ca_directory / ca_setup.OLD_PASSPHRASE_FILE
    if old.exists() and not target.exists():
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        old.replace(target)
        target.chmod(0o600)
        Console(stderr=True).print(f"moved the demo's CA passphrase to {target}",
                                   markup=False, highlight=False)
    wired.settings = settings.model_copy(update={"ca_passphrase_file": target})


def _load(wired: bootstrap.Container, residents: int) -> None:
    console = Console()
    with wired.uow() as uow:
        if uow.staff.find_by_username("admin") is not None:
            console.print("demo data is loaded already")
            _print_accounts(console)
            return
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
    cards = _cards(wired)
    applications = load_applications(wired)
    console.print(f"demo data loaded: {residents} synthetic residents, a few life events, "
                  f"{len(cards)} cards in {wired.settings.home / 'cards'} "
                  f"(PIN {DEMO_PIN}, signature password {DEMO_SIGNATURE_PASSWORD}), "
                  f"{len(applications)} applications in every state of their way "
                  f"(the card handed over is the holder's {HANDED_OVER_CARD} there), "
                  f"notices of issuance in {wired.settings.home / 'letters'}")
    if wired.settings.ca_passphrase_file:
        typer.echo("the server reads the CA passphrase from MYNUMBERCARD_CA_PASSPHRASE_FILE="
                   f"{wired.settings.ca_passphrase_file} (`make run` sets it)")
    _print_accounts(console)


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
        resident_id=arrival.id or 0,
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
        wired.uow, actor=actor, resident_id=oldest.id or 0, died_on=today, now=now
    )


def _cards(wired: bootstrap.Container) -> list[Path]:
    """The CA (made if there is none) and three cards: one valid, one reported lost
    (certificates on hold: `card found` or `card loss-confirm` it), one whose signature
    certificate was revoked."""
    if not (wired.ca_config.directory / "ca.json").exists():
        # Dated back so that the demo's replayed past (demo_applications) lies inside it.
        ca_setup.initialise(wired.ca_config, now=wired.clock() - timedelta(days=90))
    folder = wired.settings.home / "cards"
    folder.mkdir(parents=True, exist_ok=True)
    actor, made = Actor("demo", Role.ADMIN), []
    for name in ("valid", "lost", "sign-revoked"):
        path = folder / f"{name}.json"
        if path.exists():
            continue
        serials = issue_demo_card(wired, path, pin=DEMO_PIN, password=DEMO_SIGNATURE_PASSWORD,
                                  actor=actor)
        made.append(path)
        if name == "lost":  # reported through the call centre: both on hold, card lost
            loss.report_loss(wired.uow, wired.ca, actor=actor, card_number=str(
                serials["card_number"]), via=ReportedVia.CALL_CENTRE, now=wired.clock())
        for serial, reason in {
            "sign-revoked": [(serials["sign_serial"], RevocationReason.AFFILIATION_CHANGED)],
        }.get(name, []):
            certificates.change_status(wired.uow, wired.authority, actor=actor,
                                       serial=parse_serial(serial or ""), reason=reason,
                                       now=wired.clock())
    crls.publish_crls(wired.uow, wired.authority, wired.crl_sink, now=wired.clock())
    return made


def _print_accounts(console: Console) -> None:
    table = Table(title=f"demo staff accounts (password: {DEMO_PASSWORD})")
    for column in ("username", "role", "municipality"):
        table.add_column(column)
    for username, role, municipality in DEMO_STAFF:
        table.add_row(username, role.value, municipality or "-")
    console.print(table)
    console.print(f"admin signs in with a one-time code too (TOTP secret {DEMO_TOTP_SECRET}; "
                  "`mynumbercard demo totp` prints the current code)")
    console.print("the command line signs in the same way: `mynumbercard staff login admin`; "
                  "then try `mynumbercard card demo var/card.json` (README: the card)",
                  markup=False, highlight=False)


@app.command()
def totp() -> None:
    """The demo admin's current one-time code (from the demo's printed TOTP secret), by
    the configured clock: the one a sign-in checks (`MYNUMBERCARD_CLOCK` in demos)."""
    now = bootstrap.make_clock(bootstrap.settings())()
    typer.echo(pyotp.TOTP(DEMO_TOTP_SECRET).at(now))
