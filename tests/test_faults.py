"""Delivery faults: each one shows up in the output exactly as the manifest says."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from canvas_sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = str(ROOT / "scenarios" / "quickstart.yaml")
GOLDEN = ROOT / "tests" / "golden" / "quickstart.jsonl"


def original() -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in GOLDEN.read_bytes().splitlines()]


def identity(event: dict[str, Any]) -> tuple[str, str, str]:
    """What identifies an event whatever its payload quirks: type, time, request or job."""
    meta = event["metadata"]
    return meta["event_name"], meta["event_time"], meta.get("request_id") or meta["job_id"]


def run_with(tmp_path: Path, *flags: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    out = tmp_path / "events.jsonl"
    result = CliRunner().invoke(main, ["run", QUICKSTART, "--to", str(out), "-q", *flags])
    assert result.exit_code == 0, result.output
    manifest = out.with_name("events.jsonl.faults.jsonl")
    records = [orjson.loads(line) for line in manifest.read_bytes().splitlines()]
    return [orjson.loads(line) for line in out.read_bytes().splitlines()], records


def test_without_fault_flags_the_stream_is_untouched(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = CliRunner().invoke(main, ["run", QUICKSTART, "--to", str(out), "-q"])
    assert result.exit_code == 0
    assert out.read_bytes() == GOLDEN.read_bytes()
    assert not list(tmp_path.glob("*.faults.jsonl"))


def test_drops_and_duplicates_match_the_manifest(tmp_path: Path) -> None:
    events, records = run_with(tmp_path, "--drop", "0.1", "--duplicates", "0.1")
    generated = original()
    faults = Counter(r["fault"] for r in records)
    assert faults["dropped"] > 5 and faults["duplicated"] > 5
    expected = Counter(identity(e) for e in generated)
    for record in records:
        key = identity(generated[record["index"]])
        assert generated[record["index"]]["metadata"]["event_name"] == record["event_name"]
        if record["fault"] in ("duplicated", "dropped"):
            expected[key] += 1 if record["fault"] == "duplicated" else -1
    assert Counter(identity(e) for e in events) == +expected
    assert len(events) == len(generated) - faults["dropped"] + faults["duplicated"]


def test_reordering_and_delays_match_the_manifest(tmp_path: Path) -> None:
    events, records = run_with(tmp_path, "--reorder", "30s", "--delay", "1m-5m")
    generated = original()
    position = {identity(e): i for i, e in enumerate(generated)}
    arrived = [position[identity(e)] for e in events]
    assert sorted(arrived) == list(range(len(generated)))  # nothing lost, nothing added
    reordered = {r["index"] for r in records if r["fault"] == "reordered"}
    out_of_order = {
        index for n, index in enumerate(arrived) if any(index < before for before in arrived[:n])
    }
    assert reordered == out_of_order and reordered
    delayed = [r for r in records if r["fault"] == "delayed"]
    assert delayed and all(60_000 <= r["delay_ms"] <= 300_000 for r in delayed)
    # Reordering can put a course_grade_change before the grade_change that caused it.
    names = [generated[i]["metadata"]["event_name"] for i in arrived]
    assert names != [e["metadata"]["event_name"] for e in generated]


def test_payload_quirks(tmp_path: Path) -> None:
    events, records = run_with(tmp_path, "--compact-nulls", "--mixed-offsets", "--extra-keys")
    generated = {identity(e): e for e in original()}
    assert len(events) == len(generated)
    by_fault: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_fault.setdefault(record["fault"], []).append(record)
    assert len(by_fault["extra_keys"]) == len(events)
    compacted = {r["index"]: r["omitted_keys"] for r in by_fault["compact_nulls"]}
    originals = original()
    for index, keys in compacted.items():
        assert "job_id" not in originals[index]["metadata"]
        assert all(originals[index]["body"][key] is None for key in keys)
    for event in events:
        before = generated[identity(event)]
        assert event["metadata"]["x_simulated_future_field"] == "added by --extra-keys"
        assert "x_simulated_future_field" in event["body"]
        for key, value in before["body"].items():
            if value is None and "job_id" not in before["metadata"]:
                assert key not in event["body"]  # request-driven: null keys omitted
            elif isinstance(value, str) and key.endswith("_at") and value[:4].isdigit():
                shifted = event["body"][key]
                same = datetime.fromisoformat(shifted.replace("Z", "+00:00")) == (
                    datetime.fromisoformat(value.replace("Z", "+00:00"))
                )
                assert same, (key, value, shifted)
    assert any(r["offset_minutes"] != 0 for r in by_fault["mixed_offsets"])


ROW_KEYS = {
    "compact_nulls": {"index", "event_name", "fault", "omitted_keys"},
    "mixed_offsets": {"index", "event_name", "fault", "offset_minutes", "shifted_keys"},
    "extra_keys": {"index", "event_name", "fault", "added_keys"},
}


def test_each_quirk_row_holds_only_its_own_details(tmp_path: Path) -> None:
    _, records = run_with(tmp_path, "--compact-nulls", "--mixed-offsets", "--extra-keys")
    seen = Counter(r["fault"] for r in records)
    assert set(seen) == set(ROW_KEYS) and all(seen.values())
    # The same event carries all three quirks, so a leaked key would show up here.
    indexes = [{r["index"] for r in records if r["fault"] == f} for f in ROW_KEYS]
    assert set.intersection(*indexes)
    for record in records:
        assert set(record) == ROW_KEYS[record["fault"]], record


def key_paths(event: dict[str, Any]) -> set[str]:
    """An event's top-level keys in metadata and body, as `metadata.<key>` / `body.<key>`."""
    return {f"{part}.{key}" for part in ("metadata", "body") for key in event[part]}


def test_extra_keys_rows_list_the_keys_added(tmp_path: Path) -> None:
    events, records = run_with(tmp_path, "--compact-nulls", "--mixed-offsets", "--extra-keys")
    originals = original()
    rows = [r for r in records if r["fault"] == "extra_keys"]
    assert len(rows) == len(events) == len(originals)
    for row in rows:
        before, after = originals[row["index"]], events[row["index"]]  # no reordering here
        assert identity(before) == identity(after)
        added = key_paths(after) - key_paths(before)
        assert added and sorted(row["added_keys"]) == sorted(added), row


@pytest.mark.parametrize("flag", [["--reorder", "soon"], ["--delay", "1m-later"]])
def test_bad_fault_values_are_usage_errors(tmp_path: Path, flag: list[str]) -> None:
    result = CliRunner().invoke(main, ["run", QUICKSTART, "--to", str(tmp_path / "x"), *flag])
    assert result.exit_code == 2 and "expected a duration" in result.output
