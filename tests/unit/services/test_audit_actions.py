"""The audit log's vocabulary: one naming scheme, and the old names read as aliases."""

from __future__ import annotations

import re

import pytest

from mynumbercard.domain.certificate import LifeEvent
from mynumbercard.services.audit_actions import ALIASES, AuditAction

KEBAB = r"[a-z]+(?:-[a-z]+)*"


def test_every_action_is_a_kind_and_a_verb_in_kebab_case() -> None:
    for action in AuditAction:
        assert re.fullmatch(f"{KEBAB}:{KEBAB}", action.value), action


def test_an_old_name_reads_as_its_action_and_is_never_a_name_of_today() -> None:
    assert AuditAction.parse("letters:queue") is AuditAction.LETTER_QUEUE
    assert AuditAction.parse("letter:issuance-notice") is AuditAction.LETTER_PRINT_ISSUANCE_NOTICE
    assert AuditAction.parse("validity:audit") is AuditAction.VALIDITY_CHECK
    assert AuditAction.parse("certificate:card_lost") is AuditAction.CERTIFICATE_APPLY_CARD_LOST
    for old, action in ALIASES.items():
        assert old not in set(AuditAction), old
        assert AuditAction.parse(old) is action


def test_a_name_of_today_reads_as_itself_and_an_unknown_one_is_refused() -> None:
    for action in AuditAction:
        assert AuditAction.parse(action.value) is action
    with pytest.raises(ValueError, match="card:teleport"):
        AuditAction.parse("card:teleport")


def test_every_life_event_has_its_certificate_action() -> None:
    assert {AuditAction.for_life_event(e) for e in LifeEvent} <= set(AuditAction)
