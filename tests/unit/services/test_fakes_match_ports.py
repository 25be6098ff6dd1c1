"""The in-memory fakes have the methods of the ports they stand in for, with the same
parameters, so a use case that passes on a fake calls what the database adapter has."""

from __future__ import annotations

import inspect

import pytest

from application_fakes import (
    FakeApplicationStore,
    FakeCardStore,
    FakePhotos,
    FakeVault,
    FixedInspector,
)
from custody_fakes import CardCertificates, FakeCounterTasks, FakeCustody
from job_fakes import (
    FakeCohorts,
    FakeCrlNumbers,
    FakeExpiryLedger,
    FakeJobChunks,
    FakeKeyedMail,
    FakeOcspAnswers,
    FakeRevokedCertificates,
    FakeValidityChecks,
)
from mail_fakes import FakeContactedCases, FakeMailQueue, NoOffices
from mynumbercard.services.application_ports import (
    CardVault,
    FormsAndApplications,
    PhotoInspector,
    PhotoStore,
)
from mynumbercard.services.counter_task_ports import CounterTasks
from mynumbercard.services.crls import RevokedCertificates
from mynumbercard.services.crowding_ports import HoursSeen, WalkInRepository
from mynumbercard.services.custody_ports import CustodyRepository
from mynumbercard.services.expiry_ports import ExpiryLedger
from mynumbercard.services.issuance_ports import ProductionLine
from mynumbercard.services.job_ports import JobChunks
from mynumbercard.services.mail import ContactedCases
from mynumbercard.services.mail_ports import Cohorts, MailOutbox, MailQueue
from mynumbercard.services.notices import LetterApplications, OfficeDirectory
from mynumbercard.services.office_ports import AppointmentRepository, OfficeRepository
from mynumbercard.services.ports import (
    AuditLog,
    CardRepository,
    CertificateRepository,
    CrlNumbers,
    MunicipalityRepository,
    OcspAnswers,
    OcspStore,
    ResidentRepository,
    StayRepository,
)
from mynumbercard.services.staff_ports import SessionRepository, SignInGuards, StaffRepository
from mynumbercard.services.validity_check_ports import ValidityChecks
from mynumbercard.services.validity_notices import KeyedOutbox
from ocsp_fakes import FakeOcspStore
from office_fakes import FakeAppointments, FakeHoursSeen, FakeOffices, FakeWalkIns

from fakes import (
    FakeAuditLog,
    FakeMail,
    FakeMunicipalities,
    FakeResidents,
    FakeSessions,
    FakeSignInGuards,
    FakeStaff,
    FakeStays,
)

PAIRS = [
    (FormsAndApplications, FakeApplicationStore), (ProductionLine, FakeApplicationStore),
    (CardRepository, FakeCardStore), (PhotoStore, FakePhotos),
    (PhotoInspector, FixedInspector), (CardVault, FakeVault), (AuditLog, FakeAuditLog),
    (MailOutbox, FakeMail),
    (MunicipalityRepository, FakeMunicipalities), (ResidentRepository, FakeResidents),
    (SessionRepository, FakeSessions), (SignInGuards, FakeSignInGuards),
    (StaffRepository, FakeStaff), (StayRepository, FakeStays),
    (JobChunks, FakeJobChunks), (ExpiryLedger, FakeExpiryLedger),
    (OcspAnswers, FakeOcspAnswers), (CrlNumbers, FakeCrlNumbers),
    (RevokedCertificates, FakeRevokedCertificates), (Cohorts, FakeCohorts),
    (KeyedOutbox, FakeKeyedMail), (ValidityChecks, FakeValidityChecks),
    (MailQueue, FakeMailQueue), (ContactedCases, FakeContactedCases),
    (OfficeDirectory, NoOffices), (CustodyRepository, FakeCustody),
    (CounterTasks, FakeCounterTasks),
    (CertificateRepository, CardCertificates),
    (LetterApplications, FakeApplicationStore),
    (OfficeRepository, FakeOffices), (AppointmentRepository, FakeAppointments),
    (WalkInRepository, FakeWalkIns), (HoursSeen, FakeHoursSeen),
    (OcspStore, FakeOcspStore),
]


def _methods(port: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for klass in port.__mro__
            if klass is not object and klass.__name__ not in {"Protocol", "Generic"}
            for name, member in vars(klass).items()
            if inspect.isfunction(member) and not name.startswith("_")}


@pytest.mark.parametrize(("port", "fake"), PAIRS, ids=lambda x: x.__name__)
def test_a_fake_has_every_method_of_its_port_with_the_same_parameters(port, fake) -> None:
    methods = _methods(port)
    assert methods, port
    for name, wanted in methods.items():
        assert hasattr(fake, name), f"{fake.__name__} has no {name}"
        got = inspect.signature(getattr(fake, name))
        assert [(p.name, p.kind) for p in got.parameters.values()] == [
            (p.name, p.kind) for p in wanted.parameters.values()], f"{fake.__name__}.{name}"
