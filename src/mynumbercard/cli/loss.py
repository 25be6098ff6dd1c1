"""`card report-loss`, `card found`, `card loss-confirm`: a lost card (docs/rules.md)."""

from __future__ import annotations

import json

import typer

from mynumbercard import bootstrap
from mynumbercard.cli import session
from mynumbercard.cli.confirm import YES, confirm, declined
from mynumbercard.cli.output import plain
from mynumbercard.domain.loss import ReportedVia
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.services import loss

NUMBER = typer.Argument(..., help="The card number (the chip's card id).")


def _echo(answer: loss.LossOutcome | loss.LossConfirmed) -> None:
    typer.echo(json.dumps(plain(answer), ensure_ascii=False))


def report_loss(
    card_number: str = NUMBER,
    via: str = typer.Option(..., "--via", help="call-centre or counter: how the holder "
                            "reported it."),
) -> None:
    """The holder reports the card lost: both certificates on hold at once (OCSP
    revoked/certificateHold), the card lost. Prints JSON."""
    channel = ReportedVia.parse(via)
    with bootstrap.container() as wired:
        actor = session.actor(wired, "card")
        _echo(loss.report_loss(wired.uow, wired.ca, actor=actor, card_number=card_number,
                               via=channel, now=wired.clock()))


def found(
    card_number: str = NUMBER,
    document: list[IdDocument] = typer.Option(..., "--document", help="An identity "
                                              "document the holder shows (repeat: one of "
                                              "group A, or two of group B)."),
    legal_representative: bool = typer.Option(False, "--legal-representative",
                                               help="A holder under 15 comes with them."),
) -> None:
    """The lost card found again, at the counter with the holder: the holds lifted (OCSP
    good again, removeFromCRL in the next delta CRL), the card active. Prints JSON."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "card")
        _echo(loss.found(wired.uow, wired.ca, actor=actor, card_number=card_number,
                         documents=document, legal_representative_present=legal_representative,
                         now=wired.clock()))


def loss_confirm(card_number: str = NUMBER, yes: bool = YES) -> None:
    """Not found: both certificates revoked (keyCompromise), for good; the re-issue form
    (a new Application ID) is queued as a letter to the holder (printed by `mail send`)
    and named in the JSON printed. Asks first on a terminal."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "card")  # who asks comes before what is asked
        if not confirm(f"revoke both certificates of card {card_number} for good", yes=yes):
            declined()
        _echo(loss.confirm_loss(wired.uow, wired.ca, actor=actor, card_number=card_number,
                                now=wired.clock(),
                                base_url=wired.settings.public_base_url.rstrip("/")))


def register(card: typer.Typer) -> None:
    card.command(name="report-loss")(report_loss)
    card.command(name="found")(found)
    card.command(name="loss-confirm")(loss_confirm)
