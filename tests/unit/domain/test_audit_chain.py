"""The audit chain's rules: canonical bytes, seals and their links, and the walk that
names the first record changed, inserted or removed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain.audit_chain import (
    GENESIS,
    BreakKind,
    ChainRecord,
    canonical,
    check_link,
    first_difference,
    make_seal,
    record_hash,
)

T0 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def _records(ids: list[int]) -> list[ChainRecord]:
    return [ChainRecord(i, T0, "clerk", "resident:read", f"resident:{i}", {"n": i}) for i in ids]


def test_the_same_instant_in_any_zone_or_naive_utc_has_the_same_bytes():
    jst = timezone(timedelta(hours=9))
    record = _records([1])[0]
    for at in (T0.astimezone(jst), T0.replace(tzinfo=None)):
        assert canonical(replace(record, at=at)) == canonical(record)
    assert canonical(record) == (b'[1,"2026-11-25T09:30:00.000000+00:00","clerk",'
                                 b'"resident:read","resident:1",{"n":1}]')


def test_details_key_order_does_not_matter_but_every_field_does():
    record = ChainRecord(1, T0, "a", "b:c", "d:1", {"x": 1, "y": [1, 2]})
    assert record_hash(record) == record_hash(replace(record, details={"y": [1, 2], "x": 1}))
    for changed in (replace(record, id=2), replace(record, at=T0 + timedelta(microseconds=1)),
                    replace(record, actor="b"), replace(record, action="b:d"),
                    replace(record, subject="d:2"), replace(record, details=None)):
        assert record_hash(changed) != record_hash(record)


def test_seals_chain_from_genesis_and_each_link_checks():
    first = make_seal(None, _records([1, 2, 3]), last_id=4, now=T0)
    second = make_seal(first, _records([6]), last_id=6, now=T0)
    assert (first.seq, first.first_id, first.last_id, first.previous_hash) == (1, 1, 4, GENESIS)
    assert (second.seq, second.first_id, second.previous_hash) == (2, 5, first.hash)
    assert check_link(None, first) is None
    assert check_link(first, second) is None
    assert [i for i, _ in first.listed()] == [1, 2, 3]
    assert (check_link(None, second) or pytest.fail("linked")).message == (
        "seal 1 is missing (the next is 2)")
    forged = replace(second, entries=second.entries[:-1] + b"\0")
    assert (check_link(first, forged) or pytest.fail("linked")).message == (
        "seal 2 was changed (its hash does not match its contents)")
    with pytest.raises(ValueError, match="in its range"):
        make_seal(first, _records([3]), last_id=6, now=T0)


@given(st.sets(st.integers(1, 60), min_size=1), st.data())
def test_the_walk_names_the_first_change_insertion_or_removal(ids: set[int], data):
    rows = _records(sorted(ids))
    seal = make_seal(None, rows, last_id=60, now=T0)
    assert first_difference(seal, rows) is None
    victim = data.draw(st.sampled_from(sorted(ids)))
    changed = [replace(r, actor="x") if r.id == victim else r for r in rows]
    found = first_difference(seal, changed) or pytest.fail("intact")
    assert (found.kind, found.record_id) == (BreakKind.CHANGED, victim)
    removed = [r for r in rows if r.id != victim]
    found = first_difference(seal, removed) or pytest.fail("intact")
    assert (found.kind, found.record_id) == (BreakKind.REMOVED, victim)
    gaps = sorted(set(range(1, 61)) - ids)
    if gaps:
        extra = data.draw(st.sampled_from(gaps))
        inserted = sorted([*rows, *_records([extra])], key=lambda r: r.id)
        found = first_difference(seal, inserted) or pytest.fail("intact")
        assert (found.kind, found.record_id) == (BreakKind.INSERTED, extra)
