"""Time the kiosk transaction, each part apart (issue 19's speed goals, on 2 cores).

    python bench/bench_kiosk.py [TRANSACTIONS] [DATABASE_URL]    # default 300, SQLite

Sets up a data directory (a CA, a demo card, a kiosk operator, the municipality's
offer), then times in this process:

- the card's own signing: VERIFY of the PIN and COMPUTE DIGITAL SIGNATURE through the
  APDUs on the card file (what the kiosk's reader does, less the reader's latency);
- the transaction up to the document: the signed challenge request, then the card's
  answer checked (request signature, one-use challenge, the certificate's chain and
  signature, its status from our own OCSP answer, the register's resident, moving,
  offer, fee) with the document printer stubbed out — the answers signed beforehand,
  untimed;
- the document itself: rendering (reportlab) and PAdES signing (pyHanko) apart;
- the whole transaction with the real printer.

Prints rates, p50 / p99 latencies (one process, one transaction at a time) and each
mean's ratio to a baseline taken in the same run: one audited write transaction and
nothing else (the machine is shared: compare ratios across runs, and say the load).

Figures (docs/services.md "Speed"), 2026-11-30, SQLite, the shared 2-core machine at
load 13-23, `150`: up to the document 84-200/s, p50 2.6-4.7 ms, p99 33-172 ms (before
this round, back to back: 86/s, p50 8.9 ms, p99 52 ms); render + PAdES sign 20-29/s
(p50 35-43 ms); the whole transaction with the PDF 23/s (p50 41-44 ms; before 17/s,
p50 53 ms); the card's signing 5-10/s.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from bench_timing import Report, Signer, audited_transaction, bench_home, timed

from mynumbercard import bootstrap
from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.adapters.document_signing import SignedDocumentPrinter
from mynumbercard.adapters.documents.kiosk_certificate import render
from mynumbercard.adapters.pcsc_reader import open_card_file
from mynumbercard.chip.keys import KeyKind
from mynumbercard.cli.card import issue_demo_card
from mynumbercard.domain.kiosk import KioskDocument
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import kiosk, kiosk_admin, relying_parties
from mynumbercard.services.kiosk_ports import DocumentContent

ADMIN = Actor("bench", Role.ADMIN)
ASKED = kiosk.Requested(KioskDocument.RESIDENCE_CERTIFICATE)  # the statement names it
PIN = "1234"


class StubPrinter:
    def __init__(self) -> None:
        self.last: DocumentContent | None = None

    def produce(self, content: DocumentContent) -> bytes:
        self.last = content
        return b"%PDF-1.4 stub"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    home = bench_home("bench-kiosk-", "2026-11-30T10:00:00+09:00")
    with bootstrap.container() as wired:
        migrate.upgrade(wired.engine)
        load_municipalities(wired.engine)
        wired.create_ca(now=wired.clock())
        card_file = home / "card.mnc"
        made = issue_demo_card(wired, card_file, pin=PIN, password="ABC123", actor=ADMIN)
        with wired.uow() as uow:
            found = uow.cards.find_by_number(str(made["card_number"]))
            if found is None:
                raise SystemExit("the demo card is not registered")
            town = uow.residents.get(found.resident_id).municipality_code
        kiosk_admin.set_offer(wired.uow, actor=ADMIN, municipality_code=town,
                              document=KioskDocument.RESIDENCE_CERTIFICATE, fee=200,
                              now=wired.clock())
        key = relying_parties.register(wired.uow, wired.party_secrets, actor=ADMIN,
                                       name="bench kiosks", kind=PartyKind.KIOSK_OPERATOR,
                                       now=wired.clock())
        signed = Signer(key.key_id, key.secret, wired.clock).post

        report = Report(timed(max(200, count), lambda _: audited_transaction(
            wired.uow, wired.clock)))
        with open_card_file(card_file) as card:
            certificate = card.read_certificate(KeyKind.AUTH)
            signing = timed(20, lambda _: card.sign(KeyKind.AUTH, PIN, b"x" * 54))
        report.line("card: sign (VERIFY + SIGN)", signing)
        from cryptography import x509  # noqa: PLC0415
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
        der = x509.load_pem_x509_certificate(certificate).public_bytes(
            serialization.Encoding.DER)

        def answers(n: int) -> list[kiosk.CardResponse]:
            made_answers = []
            with open_card_file(card_file) as held:
                for _ in range(n):
                    made = kiosk.start(wired.uow, wired.party_secrets,
                                       request=signed("/api/v1/kiosk/challenges"),
                                       now=wired.clock(), requested=ASKED)
                    challenge = made.challenge
                    said = made.statement
                    if said is None:
                        raise SystemExit("the challenge came without its statement")
                    signature = held.sign(KeyKind.AUTH, PIN,
                                          said.signed_message(bytes.fromhex(challenge)))
                    made_answers.append(kiosk.CardResponse(
                        challenge, der, signature, KioskDocument.RESIDENCE_CERTIFICATE))
            return made_answers

        challenges = timed(count, lambda _: kiosk.start(
            wired.uow, wired.party_secrets, request=signed("/api/v1/kiosk/challenges"),
            now=wired.clock(), requested=ASKED))
        report.line("challenge", challenges)
        stub = StubPrinter()
        ready = answers(count)
        checks = timed(count, lambda i: kiosk.issue(
            wired.uow, wired.party_secrets, wired.kiosk_checker, stub,
            request=signed("/api/v1/kiosk/transactions"), response=ready[i],
            verify_url=wired.verify_url, now=wired.clock()))
        report.line("answer checked, fee recorded", checks)
        both = [a + b for a, b in zip(challenges, checks, strict=True)]
        report.line("up to the document (both)", both)
        if stub.last is None:
            raise SystemExit("no document was asked for")
        content = stub.last
        printer: SignedDocumentPrinter = wired.document_printer
        printer.produce(content)  # the municipality's key made and loaded once
        rendering = timed(max(20, count // 10), lambda _: render(content))
        report.line("document: render", rendering)
        producing = timed(max(20, count // 10), lambda i: printer.produce(
            replace(content, verification_code=f"BNCH-{i:04d}-0000-0000")))
        report.line("document: render + PAdES sign", producing)
        whole_count = max(20, count // 5)
        ready = answers(whole_count)
        whole = timed(whole_count, lambda i: kiosk.issue(
            wired.uow, wired.party_secrets, wired.kiosk_checker, printer,
            request=signed("/api/v1/kiosk/transactions"), response=ready[i],
            verify_url=wired.verify_url, now=wired.clock()))
        report.line("whole transaction with the PDF", whole)


if __name__ == "__main__":
    main()
