"""`mynumbercard demo load`: a register to explore, with staff accounts to sign in with."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyotp
import typer
from rich.console import Console
from rich.table import Table

from mynumbercard import bootstrap
from mynumbercard.adapters import ca_setup
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.cli.card import issue_demo_card
from mynumbercard.cli.kiosk import save_credential
from mynumbercard.cli.offices import read_csv
from mynumbercard.domain.certificate import JST, RevocationReason, parse_serial
from mynumbercard.domain.loss import ReportedVia
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.generators import demo
from mynumbercard.generators.crowding import write_history
from mynumbercard.generators.demo import (
    DEMO_PASSWORD,
    DEMO_PIN,
    DEMO_SIGNATURE_PASSWORD,
    DEMO_STAFF,
    DEMO_TOTP_SECRET,
)
from mynumbercard.generators.demo_applications import HANDED_OVER_CARD, load_applications
from mynumbercard.generators.demo_kiosk import DEMO_KIOSK_FEE, load_kiosk
from mynumbercard.generators.offices import offices_csv
from mynumbercard.services import certificates, crls, loss, offices

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@app.command()
def load(
    residents: int = typer.Option(2000, "--residents", help="Synthetic residents to add."),
) -> None:
    """Load demo staff, a synthetic register and a few life events (once; idempotent);
    on a new data directory it migrates the database first (`db upgrade`)."""
    with bootstrap.container() as wired:
        from mynumbercard.adapters.db import migrate  # noqa: PLC0415 - alembic: slow to import
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
            _answer_store(wired, console)
            _print_accounts(console)
            return
    demo.load_register(wired, residents)
    cards = _cards(wired)
    # Before the applications: their notices of issuance print the offices' addresses.
    demo_offices = read_csv(offices_csv())
    offices.load_offices(wired.uow, wired.holidays, actor=Actor("demo", Role.ADMIN),
                         offices=demo_offices, now=wired.clock())
    today = wired.clock().astimezone(JST).date()
    walk_ins = sum(write_history(wired.engine, office, first=today - timedelta(days=365),
                                 last=today - timedelta(days=1), holidays=wired.holidays,
                                 seed=demo.DEMO_SEED) for office in demo_offices)
    applications = load_applications(wired)
    kiosk_operator, kiosk_towns = load_kiosk(wired)
    kiosk_credential = wired.settings.home / "secrets" / "kiosk-operator.json"
    kiosk_credential.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    kiosk_credential.unlink(missing_ok=True)  # a half-loaded demo's, never read again
    save_credential(kiosk_credential, kiosk_operator)
    _answer_store(wired, console)
    console.print(f"demo data loaded: {residents} synthetic residents, a few life events, "
                  f"{len(cards)} cards in {wired.settings.home / 'cards'} "
                  f"(PIN {DEMO_PIN}, signature password {DEMO_SIGNATURE_PASSWORD}), "
                  f"{len(applications)} applications in every state of their way "
                  f"(the card handed over is the holder's {HANDED_OVER_CARD} there), "
                  f"notices of issuance in {wired.settings.home / 'letters'}, "
                  "3 offices with their hours (`mynumbercard offices list`) and a year of "
                  f"{walk_ins} walk-ins at their counters (`mynumbercard offices crowding "
                  "13101`)")
    typer.echo(f"a kiosk operator's key in {kiosk_credential}; the towns of the demo's "
                  f"cards ({', '.join(kiosk_towns)}) offer both documents at kiosks for "
                  f"{DEMO_KIOSK_FEE} yen: `echo {DEMO_PIN} | mynumbercard kiosk issue --card "
                  f"{wired.settings.home / 'cards' / 'valid.json'} --document "
                  f"residence-certificate --pin-stdin --out certificate.pdf --credential "
                  f"{kiosk_credential}` (docs/services.md)")
    if wired.settings.ca_passphrase_file:
        typer.echo("the server reads the CA passphrase from MYNUMBERCARD_CA_PASSPHRASE_FILE="
                   f"{wired.settings.ca_passphrase_file} (`make run` sets it)")
    _print_accounts(console)


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
    # Seeded: the same three holders in every run, so their cards' validity notices fall
    # on the same days (docs/walkthrough.md counts the letters of one January day).
    for number, name in enumerate(("valid", "lost", "sign-revoked")):
        path = folder / f"{name}.json"
        if path.exists():
            continue
        serials = issue_demo_card(wired, path, pin=DEMO_PIN, password=DEMO_SIGNATURE_PASSWORD,
                                  actor=actor, seed=demo.DEMO_SEED + 11 + number)
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


def _answer_store(wired: bootstrap.Container, console: Console) -> None:
    """This machine's OCSP answer store, built once from the answers in the database, so
    that the demo's responder answers from it (`/healthz`: `ocsp_store` ok)."""
    if wired.has_ocsp_store():
        return
    stats = wired.build_ocsp_store()
    console.print(f"OCSP answer store built: {stats['entries']} answers in "
                  f"{wired.settings.ocsp_store_directory} (`mynumbercard ocsp build-store`)",
                  markup=False, highlight=False)


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
