"""Every route of the OpenAPI schema × every role × own and other municipality.

The routes come from the app's own `/openapi.json`, so a new route that is missing from
`EXPECTED` fails this test: its authorisation must be stated here. Each cell calls the
route, as that role, on a subject belonging to municipality A (Chiyoda), with a body that
passes the schema; the answer's class must be the table's:

- `ok`: past authorisation (any answer but 401, 403 and 404: a 409 or a 422 from a rule
  checked after authorisation counts, so the bodies are chosen to change little);
- `401` not signed in, `403` the role may not do this at all, `404` the subject is
  addressed by id and is another municipality's: answered exactly as an unknown id
  (checked too);
- `public`: anyone, signed in or not (any answer but 401 and 403).

Runs on SQLite only, to stay fast; the rules it checks are in the services.
"""

from __future__ import annotations

import base64
from datetime import date, time, timedelta
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.application import Channel
from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.correction import NewCorrectionCase
from mynumbercard.domain.custody import Custody
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.domain.resident import Resident, Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.generators.sample_portrait import sample_portrait
from mynumbercard.services import applications as apps
from mynumbercard.services import (
    appointments,
    counter_tasks,
    crowding,
    issuance,
    moving,
    offices,
    register,
    relying_parties,
)
from mynumbercard.services import staff as staff_service
from mynumbercard.services.application_ports import FormReason

from api_checks import ADMIN_TOTP, PASSWORD, ApiClient, bearer

A, B = "13101", "01101"  # Chiyoda; Sapporo Chuo-ku
ROLES = ("clerk_a", "clerk_b", "operator", "auditor", "admin", "booth", "anonymous")
ACCOUNTS = {"clerk_a": (Role.CLERK, A), "clerk_b": (Role.CLERK, B),
            "operator": (Role.OPERATOR, None), "auditor": (Role.AUDITOR, None),
            "admin": (Role.ADMIN, None), "booth": (Role.BOOTH, None)}
SETUP = Actor("setup", Role.ADMIN)
UNKNOWN = {"resident_id": "999999", "ref": "999999", "shipment_id": "999999",
           "custody_id": "999999", "case_id": "999999", "card_number": "0000000000000000",
           "office_code": "99999", "booking": "AAAAAAAAAA", "walk_in_id": "999999",
           "task_id": "999999"}
JUNK_PHOTO = base64.b64encode(b"not a photo").decode()
AN_ID = "00000000000000000000000"  # 23 digits; its check digit is wrong: refused early

# The one table: for each route, the answer's class per role, in the order of ROLES:
#           clerk_a  clerk_b  operator auditor  admin    booth    anonymous
PUBLIC = ("public",) * 7
STAFF = ("ok", "ok", "ok", "ok", "ok", "ok", "401")  # any signed-in account
HOLDING = ("ok", "404", "403", "403", "ok", "403", "401")  # the holding municipality
READ = ("ok", "404", "ok", "ok", "ok", "403", "401")  # the holding municipality, readers
AGENCY = ("403", "403", "ok", "403", "ok", "403", "401")  # the issuing agency
LISTED = ("ok", "ok", "ok", "ok", "ok", "403", "401")  # lists a clerk sees filtered
ADMIN_ONLY = ("403", "403", "403", "403", "ok", "403", "401")  # staff management
SIGNED = ("401",) * 7  # relying parties' signed API keys: no staff session is one
EXPECTED: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/api/v1/numbers/{number}/validity"): PUBLIC,
    ("GET", "/api/v1/rules/expiry"): PUBLIC,
    ("GET", "/api/v1/rules/relocation"): PUBLIC,
    ("GET", "/api/v1/municipalities/{code}"): PUBLIC,
    ("GET", "/crl/{kind}/{name}"): PUBLIC,
    ("GET", "/ca/{kind}-ca.cer"): PUBLIC,
    ("GET", "/crl/audit/{name}"): PUBLIC,
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("GET", "/api/v1/auth/me"): STAFF,
    ("POST", "/api/v1/auth/sign-out"): STAFF,
    ("POST", "/api/v1/applications/photo-check"): PUBLIC,
    ("POST", "/api/v1/applications/online"): PUBLIC,
    ("POST", "/api/v1/applications/status"): PUBLIC,
    ("POST", "/api/v1/residents"): ("ok", "403", "403", "403", "ok", "403", "401"),
    ("GET", "/api/v1/residents"): ("ok", "403", "ok", "ok", "ok", "403", "401"),
    ("GET", "/api/v1/residents/{resident_id}"): READ,
    ("GET", "/api/v1/residents/search"): LISTED,  # a clerk finds only their own residents
    ("GET", "/api/v1/cards/{card_number}"): READ,
    ("GET", "/api/v1/applications"): LISTED,  # the review queue; a clerk's own only
    ("POST", "/api/v1/residents/{resident_id}/move"): HOLDING,
    ("POST", "/api/v1/residents/{resident_id}/death"): HOLDING,
    ("POST", "/api/v1/residents/{resident_id}/emigration"): HOLDING,
    ("POST", "/api/v1/residents/{resident_id}/moving-out"): HOLDING,
    ("POST", "/api/v1/residents/{resident_id}/moving-out/cancel"): HOLDING,
    ("POST", "/api/v1/residents/{resident_id}/card-continuation"): HOLDING,
    ("POST", "/api/v1/residents/{resident_id}/address-correction"): HOLDING,
    ("POST", "/api/v1/residents/{resident_id}/name-change"): HOLDING,
    ("POST", "/api/v1/residents/{resident_id}/stay-extension"): HOLDING,
    ("POST", "/api/v1/moving-in"): HOLDING,  # A is the destination here
    ("GET", "/api/v1/audit"): ("403", "403", "403", "ok", "ok", "403", "401"),
    ("POST", "/api/v1/applications/mail"): AGENCY,
    ("POST", "/api/v1/applications/booth"): ("403", "403", "403", "403", "ok", "ok", "401"),
    ("POST", "/api/v1/applications/forms"): ("ok", "404", "ok", "403", "ok", "403", "401"),
    ("GET", "/api/v1/applications/{ref}"): READ,
    ("GET", "/api/v1/applications/{ref}/photo"): READ,
    ("POST", "/api/v1/applications/{ref}/review"): AGENCY,
    ("POST", "/api/v1/applications/{ref}/approve"): AGENCY,
    ("POST", "/api/v1/applications/{ref}/deficient"): AGENCY,
    ("POST", "/api/v1/production-runs"): AGENCY,
    ("POST", "/api/v1/shipments"): AGENCY,
    ("POST", "/api/v1/shipments/{shipment_id}/receive"): HOLDING,
    ("GET", "/api/v1/offices/{office_code}/cards"):
        ("ok", "403", "403", "403", "ok", "403", "401"),
    ("POST", "/api/v1/cards/{card_number}/hand-over"): HOLDING,
    ("POST", "/api/v1/cards/{card_number}/certificates/renew"): HOLDING,
    ("POST", "/api/v1/cards/{card_number}/custody"): HOLDING,
    ("GET", "/api/v1/custody/{custody_id}"): HOLDING,
    ("POST", "/api/v1/custody/{custody_id}/renew"): HOLDING,
    ("POST", "/api/v1/custody/{custody_id}/mail"): HOLDING,
    ("POST", "/api/v1/custody/{custody_id}/delivered"): HOLDING,
    ("POST", "/api/v1/custody/{custody_id}/returned"): HOLDING,
    ("POST", "/api/v1/custody/{custody_id}/collect"): HOLDING,
    ("POST", "/api/v1/custody/{custody_id}/cancel"): HOLDING,
    ("GET", "/api/v1/mail"): ("403", "403", "ok", "ok", "ok", "403", "401"),
    ("POST", "/api/v1/mail/suspend"): AGENCY,
    ("POST", "/api/v1/mail/resume"): AGENCY,
    ("GET", "/api/v1/validity-audit/report"): LISTED,
    ("GET", "/api/v1/corrections"): LISTED,
    ("POST", "/api/v1/corrections/{case_id}/correct"): HOLDING,
    ("POST", "/api/v1/corrections/{case_id}/terminal-correct"): HOLDING,
    ("POST", "/api/v1/corrections/{case_id}/dismiss"): AGENCY,
    # A loss is reported through the call centre (operator) or the holder's counter; the
    # card found again is released at that counter only.
    ("POST", "/api/v1/cards/{card_number}/loss"):
        ("ok", "404", "ok", "403", "ok", "403", "401"),
    ("POST", "/api/v1/cards/{card_number}/loss/confirm"):
        ("ok", "404", "ok", "403", "ok", "403", "401"),
    ("POST", "/api/v1/cards/{card_number}/found"): HOLDING,
    # Offices: their directory, hours and free slots are public; configured by an
    # administrator; the day's bookings are the office's municipality's clerks'.
    ("GET", "/api/v1/offices"): PUBLIC,
    ("GET", "/api/v1/offices/{office_code}"): PUBLIC,
    ("GET", "/api/v1/offices/{office_code}/hours"): PUBLIC,
    ("GET", "/api/v1/offices/{office_code}/slots"): PUBLIC,
    ("GET", "/api/v1/offices/{office_code}/crowding"): PUBLIC,
    ("POST", "/api/v1/offices/{office_code}/walk-ins"): HOLDING,
    ("POST", "/api/v1/walk-ins/{walk_in_id}/desk"): HOLDING,
    ("GET", "/api/v1/offices/{office_code}/handoff/{card_number}"): HOLDING,
    ("PUT", "/api/v1/offices/{office_code}"): ADMIN_ONLY,
    ("PUT", "/api/v1/offices/{office_code}/days/{on}"): ADMIN_ONLY,
    ("DELETE", "/api/v1/offices/{office_code}/days/{on}"): ADMIN_ONLY,
    ("POST", "/api/v1/appointments"): PUBLIC,  # a resident: ID or card and birth date
    ("POST", "/api/v1/appointments/{booking}/change"): PUBLIC,
    ("POST", "/api/v1/appointments/{booking}/cancel"): PUBLIC,
    ("GET", "/api/v1/offices/{office_code}/appointments"): HOLDING,
    ("GET", "/api/v1/offices/{office_code}/displaced"): HOLDING,
    ("POST", "/api/v1/appointments/{booking}/desk"): HOLDING,
    ("POST", "/api/v1/cards/{card_number}/pin-reset-authorization"): HOLDING,
    ("GET", "/api/v1/cards/{card_number}/chip-plan"): HOLDING,
    ("POST", "/api/v1/cards/{card_number}/chip-authorization"): HOLDING,
    ("POST", "/api/v1/cards/{card_number}/terminal-hand-over"): HOLDING,
    ("POST", "/api/v1/cards/{card_number}/certificates/terminal-renew"): HOLDING,
    # Counter tasks: the clerk's terminal takes its member's own (none for another: null),
    # reports only on its member's (another member's is answered as an unknown id).
    ("POST", "/api/v1/counter-tasks/next"): ("ok", "ok", "403", "403", "ok", "403", "401"),
    ("GET", "/api/v1/counter-tasks/{task_id}"): READ,
    ("POST", "/api/v1/counter-tasks/{task_id}/outcome"):
        ("ok", "404", "403", "403", "404", "403", "401"),
    ("POST", "/api/v1/counter-tasks/{task_id}/cancel"): HOLDING,
    ("POST", "/api/v1/counter-tasks/{task_id}/custody"):  # the member's own task only
        ("ok", "404", "403", "403", "404", "403", "401"),
    ("GET", "/api/v1/staff"): ADMIN_ONLY,
    ("POST", "/api/v1/staff"): ADMIN_ONLY,
    ("POST", "/api/v1/staff/{username}/reset-password"): ADMIN_ONLY,
    ("POST", "/api/v1/staff/{username}/role"): ADMIN_ONLY,
    ("POST", "/api/v1/staff/{username}/end-sessions"): ADMIN_ONLY,
    ("POST", "/api/v1/staff/{username}/disable"): ADMIN_ONLY,  # an account of its own
    # Kiosks: the operators' calls are signed with their keys (tests/functional/
    # test_api_kiosk.py); a printed code is checked by anyone; the rest is an admin's.
    ("POST", "/api/v1/kiosk/challenges"): SIGNED,
    ("POST", "/api/v1/kiosk/transactions"): SIGNED,
    ("POST", "/api/v1/kiosk/pin-refusals"): SIGNED,
    ("GET", "/api/v1/kiosk/settlement"): SIGNED,
    ("GET", "/api/v1/verify/{code}"): PUBLIC,
    ("POST", "/api/v1/relying-parties"): ADMIN_ONLY,
    ("GET", "/api/v1/relying-parties"): ADMIN_ONLY,
    ("POST", "/api/v1/relying-parties/{key_id}/disable"): ADMIN_ONLY,
    ("PUT", "/api/v1/kiosk/offers/{municipality_code}/{document}"): ADMIN_ONLY,
    ("POST", "/api/v1/kiosk/maintenance"): ADMIN_ONLY,
    ("GET", "/api/v1/kiosk/console"): ADMIN_ONLY,
    ("GET", "/api/v1/kiosk/operators/settlement"): AGENCY,  # kiosk:settlement
    # My Number Points: payment services sign their reports (test_api_points.py).
    ("POST", "/api/v1/points/reports"): SIGNED,
    ("POST", "/api/v1/points/reports/batch"): SIGNED,
    ("POST", "/api/v1/points/campaigns"): ADMIN_ONLY,
    ("GET", "/api/v1/points/campaigns"): ADMIN_ONLY,
    # (the matrix knows no payment service: an administrator meets 404)
    ("POST", "/api/v1/points/enrolments"): ("403", "403", "403", "403", "404", "403", "401"),
    ("GET", "/api/v1/points/settlement"): AGENCY,  # the operators settle with services
    # The holder's side: the card's signature over a one-use challenge is the credential
    # (test_cli_points_card.py, test_api_points_holder.py).
    ("GET", "/api/v1/points/services"): PUBLIC,
    ("POST", "/api/v1/points/card/challenges"): PUBLIC,
    ("POST", "/api/v1/points/card/enrolments"): PUBLIC,
    ("POST", "/api/v1/points/card/balance"): PUBLIC,
    ("GET", "/api/v1/points/sign-ins/{code}"): PUBLIC,
    ("POST", "/api/v1/points/sign-ins/{code}"): PUBLIC,
    # Last: voiding destroys the card the routes above use.
    ("POST", "/api/v1/applications/{ref}/void"): ("ok", "404", "ok", "403", "ok", "403", "401"),
    # After every other: enrolling a second factor changes how each account signs in.
    # (The admin is enrolled already: replacing the factor takes the current code.)
    ("POST", "/api/v1/auth/totp"): STAFF,
}

# Bodies and queries that pass the schema; where the call is allowed, most fail a rule
# checked after authorisation (a date before birth, a planned day too far ahead), so
# that one role's call leaves the subject as it was for the next.
BIRTH = "1990-06-01"
BODIES: dict[str, Any] = {
    "/api/v1/auth/token": {"username": "auditor", "password": PASSWORD},
    "/api/v1/auth/totp": {"password": PASSWORD},
    "/api/v1/applications/photo-check": {"photo": JUNK_PHOTO},
    "/api/v1/applications/online": {"application_id": AN_ID, "birth_date": BIRTH,
                                    "photo": JUNK_PHOTO},
    "/api/v1/applications/status": {"application_id": AN_ID, "birth_date": BIRTH},
    "/api/v1/residents": {"family_name": "佐藤", "given_name": "蓮",
                          "family_name_kana": "サトウ", "given_name_kana": "レン",
                          "birth_date": "2026-11-01", "sex": "male", "municipality_code": A,
                          "postal_code": "1000001", "address": "千代田1番1号",
                          "registered_on": "2026-11-05"},  # a newborn: one more resident
    "/api/v1/residents/{resident_id}/move": {"to_municipality": A, "postal_code": "1000002",
                                             "address": "千代田2番2号",
                                             "moved_on": "1980-01-01"},
    "/api/v1/residents/{resident_id}/death": {"on": "1980-01-01"},
    "/api/v1/residents/{resident_id}/emigration": {"on": "1980-01-01"},
    "/api/v1/residents/{resident_id}/moving-out": {"to_municipality": "13103",
                                                   "planned_on": "2030-01-01"},
    "/api/v1/residents/{resident_id}/card-continuation": {"card_number": "CARD"},
    "/api/v1/residents/{resident_id}/address-correction": {
        "postal_code": "1000002", "address": "千代田2番2号", "corrected_on": "1980-01-01"},
    "/api/v1/residents/{resident_id}/name-change": {
        "family_name": "佐藤", "given_name": "花子", "family_name_kana": "サトウ",
        "given_name_kana": "ハナコ", "changed_on": "1980-01-01"},
    "/api/v1/residents/{resident_id}/stay-extension": {  # a national: no stay to extend
        "period_of_stay_until": "2030-01-01", "granted_on": "2026-11-01"},
    "/api/v1/moving-in": {"birth_date": BIRTH, "moved_in_on": "2030-01-01",
                          "postal_code": "1000001", "address": "千代田3番3号"},
    "/api/v1/applications/mail": {"application_id": AN_ID, "birth_date": BIRTH,
                                  "photo": JUNK_PHOTO},
    "/api/v1/applications/booth": {"application_id": AN_ID, "birth_date": BIRTH,
                                   "photo": JUNK_PHOTO},
    "/api/v1/applications/forms": {"reason": "first"},
    "/api/v1/applications/{ref}/deficient": {"reason": "photo", "message": "x"},
    "/api/v1/applications/{ref}/void": {"reason": "withdrawn"},
    "/api/v1/cards/{card_number}/hand-over": {"notice_presented": False},
    "/api/v1/cards/{card_number}/pin-reset-authorization": {
        "kind": "auth", "challenge": base64.b64encode(bytes(32)).decode()},
    "/api/v1/cards/{card_number}/chip-authorization": {  # before the hand-over: 409
        "purpose": "hand-over", "command": "set_initial_pins", "pins": ["card_info"],
        "challenge": base64.b64encode(bytes(32)).decode()},
    "/api/v1/cards/{card_number}/terminal-hand-over": {"notice_presented": False,
                                                       "csrs": {}},
    "/api/v1/cards/{card_number}/certificates/terminal-renew": {"csrs": {"auth": "AAAA"}},
    "/api/v1/corrections/{case_id}/terminal-correct": {"csrs": {}},
    "/api/v1/cards/{card_number}/certificates/renew": {"kinds": ["auth"]},  # produced: 409
    "/api/v1/cards/{card_number}/custody": {"kinds": ["auth"], "documents": []},
    "/api/v1/custody/{custody_id}/mail": {"tracking_number": "1234"},
    "/api/v1/custody/{custody_id}/returned": {"reason": "x"},
    "/api/v1/custody/{custody_id}/collect": {"documents": []},
    "/api/v1/custody/{custody_id}/cancel": {"reason": "x"},
    "/api/v1/mail/suspend": {"reason": "x"},
    "/api/v1/counter-tasks/{task_id}/outcome": {"ok": False, "message": "x"},  # pending: 409
    "/api/v1/counter-tasks/{task_id}/custody": {"card_number": "X"},  # not custody: 409
    "/api/v1/cards/{card_number}/loss": {"via": "counter"},  # the card is not handed over
    "/api/v1/cards/{card_number}/found": {"documents": ["passport"]},
    "/api/v1/staff": {"username": "newcomer", "password": "short", "role": "operator"},
    "/api/v1/offices/{office_code}": {
        "name": "千代田区役所", "postal_code": "1028688", "address": "東京都千代田区九段南1-2-1",
        "phone": "03-3264-2111", "rules": [{"weekday": "tue", "open": [["08:30", "17:15"]]}]},
    "/api/v1/offices/{office_code}/days/{on}": {"open": [["09:00", "12:00"]]},
    "/api/v1/appointments": {"office": A, "purpose": "other", "card_number": "NO-SUCH-CARD",
                             "birth_date": BIRTH, "date": "2026-12-01", "time": "10:00"},
    "/api/v1/appointments/{booking}/change": {"birth_date": "1991-01-01",
                                              "date": "2026-12-01", "time": "11:00"},
    "/api/v1/appointments/{booking}/cancel": {"birth_date": "1991-01-01"},  # not theirs
    "/api/v1/appointments/{booking}/desk": {"step": "no_show"},  # before the slot: 409
    "/api/v1/offices/{office_code}/walk-ins": {"purpose": "other"},
    "/api/v1/walk-ins/{walk_in_id}/desk": {"step": "ended"},  # still waiting: 409
    "/api/v1/staff/{username}/reset-password": {"password": "short"},
    "/api/v1/kiosk/transactions": {"challenge": "0" * 64, "certificate": "", "signature": "",
                                   "document": "register-items"},
    "/api/v1/kiosk/pin-refusals": {"challenge": "0" * 64, "certificate": "", "tries_left": 1},
    "/api/v1/relying-parties": {"name": "\u0007", "kind": "kiosk-operator"},  # refused: 422
    "/api/v1/kiosk/offers/{municipality_code}/{document}": {"fee": 200},
    "/api/v1/kiosk/maintenance": {"starts_at": "2026-12-01T02:00:00+09:00",
                                  "ends_at": "2026-12-01T01:00:00+09:00"},  # backwards
    "/api/v1/staff/{username}/role": {"role": "operator"},
    "/api/v1/points/reports": {"report_id": "r1", "enrolment_id": "pe_x", "kind": "charge",
                               "amount": 100, "occurred_at": "2026-12-01T10:00:00+09:00"},
    "/api/v1/points/reports/batch": {"reports": [
        {"report_id": "r1", "enrolment_id": "pe_x", "kind": "charge", "amount": 100,
         "occurred_at": "2026-12-01T10:00:00+09:00"}]},
    "/api/v1/points/campaigns": {"name": "bad name", "starts_on": "2026-12-01",
                                 "ends_on": "2026-12-31", "rate_percent": 25, "cap": 5000,
                                 "qualifies": ["charge"]},  # refused: 422
    "/api/v1/points/enrolments": {"resident_id": 1, "service": "rp_0000000000000000"},
    "/api/v1/points/card/enrolments": {"challenge": "0" * 64, "certificate": "",
                                       "signature": "", "service": "rp_0000000000000000"},
    "/api/v1/points/card/balance": {"challenge": "0" * 64, "certificate": "",
                                    "signature": ""},
    "/api/v1/points/sign-ins/{code}": {"certificate": "", "signature": ""},
}
BODY_IDS = {"/api/v1/applications/forms": "{resident_id}"}  # an id in the body, not the path
QUERIES = {"/api/v1/rules/expiry": {"birth_date": BIRTH, "applied_on": "2026-01-01",
                                    "issued_on": "2026-01-10"},
           "/api/v1/rules/relocation": {"from": "131016", "to": "131032"},
           "/api/v1/residents": {"municipality_code": A},
           "/api/v1/residents/search": {"name": "ヤマダ", "birth_date": BIRTH},
           "/api/v1/applications": {"status": "ready_for_pick_up"},
           "/api/v1/offices/{office_code}/hours": {"on": "2026-12-01"},
           "/api/v1/offices/{office_code}/appointments": {"on": "2026-12-01"},
           "/api/v1/kiosk/settlement": {"from": "2026-11-01", "to": "2026-11-30"},
           "/api/v1/kiosk/console": {"from": "2026-11-01", "to": "2026-11-30"},
           "/api/v1/kiosk/operators/settlement": {"from": "2026-11-01", "to": "2026-11-30"},
           "/api/v1/cards/{card_number}/chip-plan": {"purpose": "hand-over"}}


def _resident(wired: Container, municipality: str) -> Resident:
    return register.register_resident(
        wired.uow, actor=SETUP, now=wired.clock(), family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=date(1990, 6, 1),
        sex=Sex.FEMALE, municipality_code=municipality, postal_code="1000001",
        address="千代田1番1号", registered_on=date(1990, 6, 1))


def _subjects(wired: Container) -> dict[str, str]:
    """Everything of municipality A the routes address: a resident whose application's
    card waits at A's office, its shipment, the card left for renewal, a correction case,
    and a move from B into A."""
    now, operator = wired.clock(), Actor("agency", Role.OPERATOR)
    resident = _resident(wired, A)
    form = apps.issue_form(wired.uow, actor=SETUP, resident_id=resident.id or 0,
                           reason=FormReason.FIRST, now=now)
    ref = apps.submit(wired.uow, wired.photos, wired.photo_inspector,
                      actor=apps.online_applicant(Channel.PC), channel=Channel.PC,
                      application_id=form.application_id, birth_date=resident.birth_date,
                      photo=sample_portrait(), now=now).application.id or 0
    apps.approve(wired.uow, actor=operator, application_ref=ref, now=now)
    issuance.run_production(wired.uow, wired.vault, actor=operator, now=now)
    (shipment_id,) = issuance.ship(wired.uow, actor=operator, now=now).shipments
    issuance.receive_shipment(wired.uow, actor=SETUP, shipment_id=shipment_id, now=now)
    with wired.uow() as uow:
        card = uow.cards.get(uow.applications.get(ref).card_id or 0)
        custody = Custody.leave(card_id=card.id or 0, resident_id=resident.id or 0,
                                office_code=A, kinds=frozenset({CertKind.AUTH}),
                                left_on=now.date())
        custody_id = uow.custody.add(custody, actor="setup", now=now).id
        (case,) = uow.validity_checks.open_cases([NewCorrectionCase(
            card.id, resident.id, A, card.expires_on, card.expires_on, "matrix")], now=now)
        case_id = case.id
        uow.commit()
    newcomer = _resident(wired, B)
    out = moving.record_moving_out(wired.uow, actor=SETUP, resident_id=newcomer.id or 0,
                                   to_municipality=A, planned_on=now.date(), now=now)
    staff_service.add_staff(wired.uow, wired.hasher, actor=SETUP, username="victim",
                            password=PASSWORD, role=Role.AUDITOR, municipality_code=None,
                            now=now)
    offices.load_offices(wired.uow, wired.holidays, actor=SETUP, now=now, offices=[Office(
        code=A, name="千代田区役所", postal_code="1028688", address="東京都千代田区九段南1-2-1",
        phone="03-3264-2111", rules=parse_rules({"tue": "08:30-17:15"}))])
    booked = appointments.book(wired.uow, wired.holidays, office_code=A, purpose=Purpose.OTHER,
                               application_id=None, card_number=card.card_number,
                               birth_date=resident.birth_date, on=date(2026, 12, 1),
                               at=time(10), email=None, now=now)
    party = relying_parties.register(wired.uow, wired.party_secrets, actor=SETUP, name="Kiosk",
                                     kind=PartyKind.KIOSK_OPERATOR, now=now)
    walk_in = crowding.record_walk_in(wired.uow, actor=SETUP, office_code=A,
                                      purpose=Purpose.OTHER, now=now)
    task = counter_tasks.ask_hand_over(  # for clerk_a's terminal
        wired.uow, actor=Actor("clerk_a", Role.CLERK, A), card_number=card.card_number,
        checks=counter_tasks.HandOverChecks(notice_presented=True,
                                            documents=frozenset({IdDocument.PASSPORT})),
        now=now)
    return {"booking": booked.reference, "on": "2030-01-08", "walk_in_id": str(walk_in.id),
            "task_id": str(task.id),
            "resident_id": str(resident.id), "ref": str(ref), "username": "victim",
            "shipment_id": str(shipment_id), "office_code": A, "card_number": card.card_number,
            "custody_id": str(custody_id), "case_id": str(case_id),
            "reference": out.notice.reference, "number": "123456789018", "code": A,
            "kind": "auth", "name": "0.crl", "key_id": party.key_id,
            "municipality_code": A, "document": "register-items"}


@pytest.fixture
def database_url(sqlite_template: Any, tmp_path: Any) -> str:
    """SQLite only: the matrix is about the services' checks, not the SQL."""
    import shutil  # noqa: PLC0415

    path = tmp_path / "matrix.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def client(pki_container: Container, api_client: ApiClient) -> TestClient:
    return api_client(pki_container, [(name, role, municipality)
                                      for name, (role, municipality) in ACCOUNTS.items()])


def _admin_code(wired: Container) -> str:
    """A fresh code of the administrator's second factor: the frozen clock moves on one
    step, since a code is good once."""
    wired.clock.now += timedelta(seconds=30)  # type: ignore[attr-defined]
    return pyotp.TOTP(ADMIN_TOTP).at(wired.clock())


def _token(client: TestClient, role: str, wired: Container) -> dict[str, str]:
    return bearer(client, role, totp=_admin_code(wired) if role == "admin" else None)


def _class(status: int, expected: str) -> str:
    if expected == "public":
        return "public" if status not in (401, 403) else str(status)
    return str(status) if status in (401, 403, 404) else "ok"


def _call(client: TestClient, method: str, path: str, values: dict[str, str],
          headers: dict[str, str], *, extra: dict[str, str] | None = None) -> Any:
    url = path.format(**values)
    client.cookies.clear()  # only the headers say who calls (sign-in sets a cookie)
    body = BODIES.get(path)
    if extra:
        body = {**(body or {}), **extra}
    if path == "/api/v1/applications/forms":
        body = {**BODIES[path], "resident_id": int(values["resident_id"])}
    if path == "/api/v1/moving-in":
        body = {**BODIES[path], "moving_out_certificate": values["reference"]}
    return client.request(method, url, headers=headers, params=QUERIES.get(path),
                          json=body if method in ("POST", "PUT") else None)


def test_every_route_every_role_own_and_other_municipality(
        client: TestClient, pki_container: Container) -> None:
    schema = client.get("/openapi.json").json()
    routes = {(method.upper(), path) for path, item in schema["paths"].items()
              for method in item}
    assert routes - set(EXPECTED) == set(), "state the authorisation of every new route"
    assert set(EXPECTED) - routes == set(), "the table names a route that is gone"
    values = _subjects(pki_container)
    tokens = {role: _token(client, role, pki_container) for role in ROLES
              if role != "anonymous"}
    tokens["anonymous"] = {}
    wrong: list[str] = []
    for (method, path), row in EXPECTED.items():  # the table's order: void last
        for role, expected in zip(ROLES, row, strict=True):
            headers = tokens[role]
            if path == "/api/v1/auth/sign-out" and role != "anonymous":
                headers = _token(client, role, pki_container)  # its own, not the matrix's
            # Replacing a second factor takes the current code where there is one.
            extra = ({"totp": _admin_code(pki_container)}
                     if path == "/api/v1/auth/totp" and role == "admin" else None)
            answer = _call(client, method, path, values, headers, extra=extra)
            got = _class(answer.status_code, expected)
            if got != expected:
                wrong.append(f"{method} {path} as {role}: expected {expected}, got "
                             f"{answer.status_code} {answer.text[:160]}")
            elif expected == "404":
                unknown = _call(client, method, path,
                                {**values, **UNKNOWN, "reference": "000000000000"}, headers)
                hidden_text = answer.json()["message"]
                unknown_text = unknown.json()["message"]
                for key, real in values.items():
                    if key in UNKNOWN and f"{{{key}}}" in path + BODY_IDS.get(path, ""):
                        hidden_text = hidden_text.replace(real, UNKNOWN[key])
                if (unknown.status_code, unknown_text) != (404, hidden_text):
                    wrong.append(f"{method} {path} as {role}: another municipality's "
                                 f"subject ({hidden_text!r}) is answered unlike an unknown "
                                 f"one ({unknown.status_code} {unknown_text!r})")
    assert wrong == [], "\n".join(wrong)
