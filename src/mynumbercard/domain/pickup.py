"""Who may pick up a card, with what, and until when (rules.md, Pick-up and relocation).

Documents follow the municipal counters' lists: group A carries a photo and was issued
by a public body, group B is anything else that names the holder. The holder in person
shows the notice of issuance plus one A or two B; a proxy (illness, disability or
another unavoidable reason only) shows the proof of the reason, the notice with the
holder's delegation filled in, the holder's own documents (two) and their own (two, one
of them from group A), and brings the holder's sealed PIN form.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mynumbercard.domain.application import ApplicationKind
from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.dates import age_on, months_after
from mynumbercard.domain.errors import Conflict, InvalidInput
from mynumbercard.domain.validity import renewal_opens_on


class IdDocument(StrEnum):
    # Group A: with a photo, issued by a public body.
    DRIVERS_LICENCE = "drivers_licence"
    PASSPORT = "passport"
    RESIDENCE_CARD = "residence_card"
    SPECIAL_PERMANENT_RESIDENT_CERTIFICATE = "special_permanent_resident_certificate"
    DISABILITY_CERTIFICATE = "disability_certificate"
    DRIVING_HISTORY_CERTIFICATE = "driving_history_certificate"
    BASIC_RESIDENT_REGISTER_CARD = "basic_resident_register_card"  # with a photo
    # Group B: everything else that names the holder.
    HEALTH_INSURANCE_CARD = "health_insurance_card"
    PENSION_BOOK = "pension_book"
    PENSION_CERTIFICATE = "pension_certificate"
    STUDENT_ID = "student_id"
    EMPLOYEE_ID = "employee_id"
    BANK_PASSBOOK = "bank_passbook"


GROUP_A = frozenset({
    IdDocument.DRIVERS_LICENCE, IdDocument.PASSPORT, IdDocument.RESIDENCE_CARD,
    IdDocument.SPECIAL_PERMANENT_RESIDENT_CERTIFICATE, IdDocument.DISABILITY_CERTIFICATE,
    IdDocument.DRIVING_HISTORY_CERTIFICATE, IdDocument.BASIC_RESIDENT_REGISTER_CARD,
})


class ProxyReason(StrEnum):
    ILLNESS = "illness"
    DISABILITY = "disability"
    OTHER_UNAVOIDABLE = "other_unavoidable"  # e.g. in care, studying far away, very old


class Proof(StrEnum):
    MEDICAL_CERTIFICATE = "medical_certificate"
    HOSPITALISATION_CERTIFICATE = "hospitalisation_certificate"
    DISABILITY_CERTIFICATE = "disability_certificate"
    CARE_CERTIFICATE = "care_certificate"  # long-term care insurance certification
    FACILITY_CERTIFICATE = "facility_certificate"  # living in a care facility
    ENROLMENT_CERTIFICATE = "enrolment_certificate"  # a student living away


ACCEPTED_PROOFS: dict[ProxyReason, frozenset[Proof]] = {
    ProxyReason.ILLNESS: frozenset({Proof.MEDICAL_CERTIFICATE,
                                    Proof.HOSPITALISATION_CERTIFICATE}),
    ProxyReason.DISABILITY: frozenset({Proof.DISABILITY_CERTIFICATE}),
    ProxyReason.OTHER_UNAVOIDABLE: frozenset({Proof.CARE_CERTIFICATE, Proof.FACILITY_CERTIFICATE,
                                              Proof.ENROLMENT_CERTIFICATE}),
}

LEGAL_REPRESENTATIVE_UNDER = 15  # a younger holder comes with the legal representative


class IdentityNotEstablished(InvalidInput):
    code = "identity_not_established"


class ProxyRefused(InvalidInput):
    code = "proxy_refused"


def distinct_documents(documents: Iterable[IdDocument]) -> tuple[int, int]:
    """(group A, group B): how many different documents of each group."""
    kinds = set(documents)
    group_a = len(kinds & GROUP_A)
    return group_a, len(kinds) - group_a


def check_holder_in_person(*, notice_presented: bool, documents: Collection[IdDocument],
                           birth_date: date, on: date,
                           legal_representative_present: bool) -> None:
    """The holder at the counter: the notice plus one A or two different B documents."""
    if not notice_presented:
        raise IdentityNotEstablished("bring the notice of issuance (交付通知書)")
    check_holder_documents(documents=documents, birth_date=birth_date, on=on,
                           legal_representative_present=legal_representative_present)


def check_holder_documents(*, documents: Collection[IdDocument], birth_date: date, on: date,
                           legal_representative_present: bool) -> None:
    """One photo ID from group A or two different documents from group B; a holder under
    15 comes with the legal representative (pick-up, and leaving a card at the office)."""
    group_a, group_b = distinct_documents(documents)
    if group_a < 1 and group_b < 2:
        raise IdentityNotEstablished(
            "show one photo ID from group A (licence, passport, residence card...) "
            "or two different documents from group B")
    if age_on(birth_date, on) < LEGAL_REPRESENTATIVE_UNDER and not legal_representative_present:
        raise IdentityNotEstablished(
            f"a holder under {LEGAL_REPRESENTATIVE_UNDER} comes with the legal representative")


@dataclass(frozen=True, slots=True)
class ProxyPickUp:
    reason: ProxyReason
    proofs: frozenset[Proof]
    proxy_documents: frozenset[IdDocument]
    holder_documents: frozenset[IdDocument]
    delegation_signed: bool  # the holder filled in the delegation on the notice
    sealed_pin_form_number: str  # from the sealed PIN form the proxy brings


def check_proxy(proxy: ProxyPickUp, *, notice_presented: bool, expected_pin_form: str) -> None:
    """A proxy only for the reasons of the seed, with proof, both parties' documents and
    the holder's own sealed PIN form (so the proxy never chooses the PINs)."""
    if not notice_presented or not proxy.delegation_signed:
        raise ProxyRefused("a proxy brings the notice of issuance with the holder's "
                           "delegation filled in and signed")
    if not proxy.proofs & ACCEPTED_PROOFS[proxy.reason]:
        wanted = ", ".join(sorted(p.value for p in ACCEPTED_PROOFS[proxy.reason]))
        raise ProxyRefused(f"a proxy for {proxy.reason.value} brings proof: one of {wanted}")
    group_a, group_b = distinct_documents(proxy.proxy_documents)
    if group_a < 1 or group_a + group_b < 2:
        raise ProxyRefused("the proxy shows two identity documents, one with a photo "
                           "from group A")
    if len(proxy.holder_documents) < 2:
        raise ProxyRefused("the proxy brings two of the holder's identity documents")
    if proxy.sealed_pin_form_number != expected_pin_form:
        raise ProxyRefused("the sealed PIN form is not the one mailed to the holder")


@dataclass(frozen=True, slots=True)
class PickUpPolicy:
    """A municipality's rule for uncollected cards (the defaults are common practice)."""

    deadline_months: int = 3  # on the notice: pick up within this many months
    keep_months: int = 6  # after arrival; then the card is destroyed, the application void

    def deadline(self, arrived_on: date) -> date:
        return months_after(arrived_on, self.deadline_months)

    def reminder_due(self, *, deadline: date, today: date) -> bool:
        return today > deadline

    def destroy_on(self, arrived_on: date) -> date:
        return months_after(arrived_on, self.keep_months)


def application_kind(cards: Iterable[tuple[CardStatus, date]], *, today: date) -> ApplicationKind:
    """First card, renewal or re-issue; a holder of a valid card before the renewal
    window is refused (the card is not renewed early)."""
    kind = ApplicationKind.FIRST
    for status, expires_on in cards:
        if status is CardStatus.LOST:
            kind = ApplicationKind.REISSUE
        elif status is CardStatus.ACTIVE:
            opens = renewal_opens_on(expires_on)
            if today < opens:
                raise Conflict(f"the resident holds a card valid until {expires_on}; "
                               f"its renewal opens on {opens}")
            return ApplicationKind.RENEWAL
        elif status is CardStatus.PRODUCED:
            raise Conflict("a card for the resident is already produced: pick it up first")
    return kind
