"""`mynumbercard kiosk ...`: the convenience-store kiosk's program (`issue`), and the
administration of kiosks (offers, maintenance, the console) and of relying parties
(`relying-party ...`); `verify` checks a printed code (docs/services.md)."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path

import typer

from mynumbercard import bootstrap
from mynumbercard.adapters import pcsc_reader
from mynumbercard.adapters.kiosk_client import run_transaction
from mynumbercard.cli import session
from mynumbercard.cli.output import dumps
from mynumbercard.domain.card_statement import Statement
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.kiosk import KioskDocument, KioskRefused
from mynumbercard.domain.relying_party import PartyKind, certificate_sha256
from mynumbercard.services import kiosk_admin, relying_parties

app = typer.Typer(help="The convenience-store kiosk: certificates with the card.",
                  no_args_is_help=True)
parties_app = typer.Typer(help="Relying parties: kiosk operators and payment services "
                          "with signed API keys.", no_args_is_help=True)
CREDENTIAL_ENV = "MYNUMBERCARD_KIOSK_CREDENTIAL"
_log = logging.getLogger("mynumbercard.card")


@app.command()
def issue(  # noqa: PLR0917 - the command's contract (issue 19)
    document: KioskDocument = typer.Option(..., "--document", help="residence-certificate "
                                           "(住民票の写し) or register-items (記載事項証明書)."),
    out: Path = typer.Option(..., "--out", help="Where to write the signed PDF."),
    reader: str | None = typer.Option(None, "--reader", help="The PC/SC reader with the "
                                      "card (a part of its name)."),
    card: Path | None = typer.Option(None, "--card", help="A card file, put into the "
                                     "virtual reader for the transaction (or, without "
                                     "pcscd's virtual reader, driven with the same APDUs)."),
    with_household: bool = typer.Option(False, "--with-household",
                                        help="Print the household's members."),
    with_domicile: bool = typer.Option(False, "--with-domicile", help="Print the domicile "
                                       "(where the municipality allows it)."),
    pin_stdin: bool = typer.Option(False, "--pin-stdin", help="Read the 4-digit "
                                   "user-authentication PIN from standard input."),
    url: str | None = typer.Option(None, "--url", help="The issuing service's base URL "
                                   "(default: this installation, in this process)."),
    credential: Path | None = typer.Option(None, "--credential", envvar=CREDENTIAL_ENV,
                                           help="The kiosk operator's key (from "
                                           "`relying-party add --out`)."),
) -> None:
    """One kiosk transaction: what the card will sign shown (standard error), then the
    holder's PIN on the card, the document written to OUT; prints JSON
    (verification_code, municipality, fee), or a refusal (exit 1)."""
    if credential is None:
        raise InvalidInput(f"name the kiosk operator's key: --credential FILE (or "
                           f"{CREDENTIAL_ENV})")

    def pin_for(statement: Statement) -> str:
        typer.echo(f"The card will sign ({statement.purpose.value}) / カードで署名する内容:\n"
                   f"  {statement.ja}\n  {statement.en}", err=True)
        _log.info("the card signs for %s: %s", statement.purpose.value, statement.en)
        return session.secret("PIN (4 digits)", from_stdin=pin_stdin)

    with bootstrap.container() as wired:
        service = wired.kiosk_service(url=url, credential=credential)
        with pcsc_reader.kiosk_card(file=card, reader=reader,
                                    vpcd_port=wired.settings.vpcd_port) as holder:
            try:
                result = run_transaction(holder, service, pin_for=pin_for, document=document,
                                         with_household=with_household,
                                         with_domicile=with_domicile)
            except KioskRefused as refused:
                typer.echo(json.dumps({"refused": refused.refusal.value,
                                       "message": refused.message}, ensure_ascii=False))
                raise typer.Exit(1) from None
    out.write_bytes(result.pdf)
    typer.echo(json.dumps({"verification_code": result.verification_code,
                           "municipality": result.municipality, "fee": result.fee}))


@app.command()
def offer(
    municipality_code: str = typer.Argument(..., help="The municipality's 5-digit code."),
    document: KioskDocument = typer.Option(..., "--document"),
    fee: int | None = typer.Option(None, "--fee", min=0, help="Yen (omit with --withdraw)."),
    domicile: bool = typer.Option(False, "--domicile", help="The domicile may be printed."),
    withdraw: bool = typer.Option(False, "--withdraw", help="No longer offered."),
) -> None:
    """What a municipality offers at kiosks and its fee (administrator). Prints JSON."""
    if withdraw == (fee is not None):
        raise InvalidInput("give --fee YEN, or --withdraw")
    with bootstrap.container() as wired:
        actor = session.actor(wired, "kiosk")
        made = kiosk_admin.set_offer(wired.uow, actor=actor,
                                     municipality_code=municipality_code, document=document,
                                     fee=fee, domicile=domicile, now=wired.clock())
    typer.echo(dumps(made or {"municipality_code": municipality_code,
                              "document": document.value, "fee": None}))


def _aware(text: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(f"{what}: an ISO 8601 time with its offset "
                           "(2026-12-10T02:00:00+09:00)")
    return moment


@app.command()
def maintenance(
    start: str = typer.Option(..., "--from", help="ISO 8601 with offset."),
    end: str = typer.Option(..., "--to", help="ISO 8601 with offset."),
    note: str = typer.Option("", "--note"),
) -> None:
    """Announce a maintenance window: kiosks refuse meanwhile (administrator)."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "kiosk")
        made = kiosk_admin.announce_maintenance(
            wired.uow, actor=actor, starts_at=_aware(start, "--from"),
            ends_at=_aware(end, "--to"), note=note, now=wired.clock())
    typer.echo(dumps(made))


@app.command()
def console(
    start: datetime = typer.Option(..., "--from", formats=["%Y-%m-%d"]),
    end: datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"]),
) -> None:
    """Fees per kiosk operator and municipality, and the PIN failures cards reported at
    kiosks, over the days FROM..TO (administrator). Prints JSON."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "kiosk")
        view = kiosk_admin.console(wired.uow, actor=actor, start=start.date(),
                                   end=end.date(), now=wired.clock())
    typer.echo(dumps(view))


@app.command()
def verify(code: str = typer.Argument(..., help="The code printed on the document.")) -> None:
    """Is a printed verification code genuine? (public: no sign-in)."""
    with bootstrap.container() as wired:
        found = kiosk_admin.verify(wired.uow, code=code, now=wired.clock())
    typer.echo(dumps(found))


def save_credential(out: Path, made: relying_parties.PartyCredential) -> None:
    """The party's key id and secret into the new file OUT (0600), as `kiosk issue
    --credential` and the payment services' clients read it."""
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as written:
        json.dump({"key_id": made.key_id, "secret": made.secret, "name": made.name,
                   "kind": made.kind.value}, written, ensure_ascii=False)


@parties_app.command("add")
def add_party(
    name: str = typer.Argument(..., help="The operator's or service's name."),
    kind: PartyKind = typer.Option(..., "--kind"),
    out: Path = typer.Option(..., "--out", help="Where to write the key (JSON, mode 0600); "
                             "it is shown nowhere else."),
    client_cert: Path | None = typer.Option(
        None, "--client-cert", help="Mutual TLS: the party's client certificate (PEM); its "
        "calls must then come through the trusted proxy with it."),
) -> None:
    """Register a relying party (administrator): its key id and secret into OUT."""
    if out.exists():
        raise InvalidInput(f"{out} exists: name a new file")
    fingerprint = None
    if client_cert is not None:
        try:
            fingerprint = certificate_sha256(client_cert.read_text(encoding="ascii")[:20000])
        except (OSError, UnicodeError):
            raise InvalidInput(f"cannot read the PEM certificate {client_cert}") from None
    with bootstrap.container() as wired:
        actor = session.actor(wired, "kiosk")
        made = relying_parties.register(wired.uow, wired.party_secrets, actor=actor,
                                        name=name, kind=kind, now=wired.clock(),
                                        client_cert_sha256=fingerprint)
    save_credential(out, made)
    typer.echo(json.dumps({"key_id": made.key_id, "name": made.name,
                           "kind": made.kind.value, "credential": str(out),
                           "client_cert_sha256": fingerprint},
                          ensure_ascii=False))


@parties_app.command("list")
def list_parties() -> None:
    """The relying parties (administrator). Prints JSON."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "kiosk")
        found = relying_parties.list_parties(wired.uow, actor=actor, now=wired.clock())
    typer.echo(dumps(found))


@parties_app.command("disable")
def disable_party(key_id: str = typer.Argument(...)) -> None:
    """Disable a relying party's key (administrator)."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "kiosk")
        found = relying_parties.disable(wired.uow, actor=actor, key_id=key_id,
                                        now=wired.clock())
    typer.echo(dumps(found))


