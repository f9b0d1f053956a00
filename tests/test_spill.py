"""Spill records of `run --workers N`: keys that sort as bytes in stream order, and the merge."""

from __future__ import annotations

import pytest

from canvas_sim.errors import SimulatorError
from canvas_sim.spill import Coder, batch, initial_names, merge, split_at, up_to


def test_records_sort_by_time_then_ordinal_and_keep_their_order_within_a_course() -> None:
    one, two = Coder(0, 2), Coder(1, 2)
    first = [
        one.record(-5, 0, "course_created", b"a"),  # before 1970: still first
        one.record(1_700_000_000_000, 0, "grade_change", b"b"),
        one.record(1_700_000_000_000, 0, "grade_change", b"a"),  # same key: stays after b
        one.record(1_700_000_000_001, 2, "grade_change", b"c"),
    ]
    second = [
        two.record(999, 1, "course_created", b"d"),
        two.record(1_700_000_000_000, 1, "grade_change", b"e"),
        two.record(1_700_000_000_001, 1, "grade_change", b"f"),
    ]
    merged = merge([[r.rstrip(b"\n") for r in first], [r.rstrip(b"\n") for r in second]])
    window = batch(merged, initial_names())
    assert window.lines == [b"a", b"d", b"b", b"a", b"e", b"f", b"c"]
    assert window.counts == {"course_created": 2, "grade_change": 5}
    assert (window.first_ms, window.last_ms) == (-5, 1_700_000_000_001)
    below, rest = split_at(merged, merged[3][:24])  # through the key of b and a
    assert [r[-1:] for r in below] == [b"a", b"d", b"b", b"a"]
    assert len(rest) == 3
    assert [r[-1:] for r in up_to(merged, 1_700_000_000_000)] == [b"a", b"d", b"b", b"a", b"e"]


def test_names_outside_the_catalogue_get_codes_no_other_shard_uses() -> None:
    coders = [Coder(number, 3) for number in range(3)]
    codes = [coder.record(0, 0, "made_up_event", b"{}")[24:27] for coder in coders]
    assert len(set(codes)) == 3
    assert set(codes).isdisjoint(initial_names())
    assert coders[1].new == [(codes[1], "made_up_event")]
    with pytest.raises(SimulatorError, match="out of the range"):
        coders[0].record(10**16, 0, "course_created", b"{}")
