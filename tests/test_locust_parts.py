"""The Locust load test's pure parts, in this process (they import neither Locust nor gevent):
its options, the ledger's summary and exit code, and the HTTP verdict it shares with `run`."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import pytest

from canvas_sim.delivery import TargetStats, judge_answer, timeout_error
from canvas_sim.errors import SimulatorError
from canvas_sim.locust.options import LoadOptions, add_arguments
from canvas_sim.locust.tally import Ledger, ShardRecord, shard_report, summary_lines


def parse(*args: str) -> LoadOptions:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return LoadOptions.from_namespace(parser.parse_args(list(args)))


def test_options_parse_check_and_travel_as_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN", "secret")
    options = parse(
        "--scenario", "load", "--set", "courses=4", "--set", "students_max=9", "--seed", "7",
        "--retries", "1", "--event-rate", "300", "--header", "X-Token: $TOKEN",
    )  # fmt: skip
    assert options.overrides() == {"courses": "4", "students_max": "9"}
    assert options.retry.retries == 1 and options.seed == 7
    assert options.per_user_rate(30) == 10.0
    assert LoadOptions.from_message(options.as_message()) == options
    options.check()
    assert options.header_pairs() == [("X-Token", "secret")]
    assert parse("--scenario", "x", "--user-rate", "5").per_user_rate(99) == 5.0
    assert parse("--scenario", "x").per_user_rate(4) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "--scenario is required"),
        (("--scenario", "x", "--set", "novalue"), "--set: expected NAME=VALUE"),
        (("--scenario", "x", "--event-rate", "0"), "--event-rate must be above 0"),
        (("--scenario", "x", "--event-rate", "1", "--user-rate", "1"), "or --user-rate"),
        (("--scenario", "x", "--kid", "k"), "--kid goes with --sign-key"),
        (("--scenario", "x", "--retries", "-1"), "at least 0"),
        (("--scenario", "x", "--header", "NoColon"), "--header: expected 'Name: value'"),
    ],
)
def test_bad_options_are_usage_errors(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(SimulatorError, match=message) as caught:
        parse(*args).check()
    assert caught.value.exit_code == 2


def test_the_host_must_be_a_url() -> None:
    LoadOptions().check_url("https://consumer.example/events")
    with pytest.raises(SimulatorError, match="-H/--host is the URL"):
        LoadOptions().check_url("127.0.0.1:8080/events")
    with pytest.raises(SimulatorError, match="-H/--host is required"):
        LoadOptions().check_url("")  # no -H (not "-H/--host is the URL ...: ''")


def test_each_shard_has_its_own_dead_letter_file_when_there_are_several() -> None:
    options = parse("--scenario", "x", "--dead-letter", "out/dead.jsonl")
    assert options.dead_letter_for(0, 1) == Path("out/dead.jsonl")
    assert options.dead_letter_for(1, 3) == Path("out/dead.shard-1.jsonl")


def report(delivered: dict[str, int], dead: dict[str, int] | None = None) -> dict[str, object]:
    stats = TargetStats("http://x/events")
    stats.delivered, stats.dead_lettered = Counter(delivered), Counter(dead or {})
    generated = sum(delivered.values()) + sum((dead or {}).values())
    return shard_report(stats, generated=generated, courses_done=1, dead_letter=None)


def test_the_summary_adds_up_the_shards_and_a_complete_test_exits_0() -> None:
    ledger = Ledger(
        [
            ShardRecord(0, 2, "worker index 0", ["A (id 1)"], True, report({"a": 2, "b": 1})),
            ShardRecord(1, 2, "worker index 3", ["B (id 2)"], True, report({"a": 1})),
        ]
    )
    summary = ledger.summary()
    assert summary["complete"] is True and ledger.finish_code() == 0
    assert summary["events_delivered"] == summary["events_generated"] == 4
    assert summary["by_type"]["a"] == {"delivered": 3, "dead_lettered": 0, "outcome_unknown": 0}
    lines = summary_lines(summary)
    assert lines[-1] == "every event was delivered"
    assert "  shard 1 of 2 (worker index 3, 1 courses): 1 generated, 1 delivered" in lines[2]


def test_dead_letters_or_an_unfinished_shard_exit_1_and_say_why() -> None:
    dead = Ledger([ShardRecord(0, 1, "local", ["A (id 1)"], True, report({"a": 1}, {"b": 2}))])
    assert dead.finish_code() == 1
    assert summary_lines(dead.summary())[-1].startswith("error: not every event was delivered")
    cut = Ledger([ShardRecord(0, 1, "local", ["A (id 1)", "B (id 2)"], False, report({"a": 1}))])
    assert cut.finish_code() == 1
    lines = summary_lines(cut.summary())
    assert lines[-2].startswith("error: the test stopped before every shard finished")
    assert lines[-1] == "  shard 0 of 1 (local), 2 course(s): A (id 1), B (id 2)"


def test_the_first_failure_decides_the_exit_code() -> None:
    ledger = Ledger([ShardRecord(0, 1, "local", [], True, report({}))])
    ledger.fail("3 user(s) for 4 workers", code=2)
    ledger.fail("a later consequence")
    assert ledger.finish_code() == 2
    assert summary_lines(ledger.summary())[-1] == "error: 3 user(s) for 4 workers"


def test_the_verdict_on_an_answer_is_run_s_rule() -> None:
    assert judge_answer(204, None, b"").delivered
    refused = judge_answer(400, "5", b'{"error": "bad payload"}')
    assert (refused.retryable, refused.error, refused.retry_after) == (
        False,
        "HTTP 400: bad payload",
        None,
    )
    busy = judge_answer(429, "2", b"slow down")
    assert (busy.retryable, busy.error, busy.retry_after) == (True, "HTTP 429: slow down", 2.0)
    assert judge_answer(503, None, b"").error == "HTTP 503"
    assert "may have processed it" in timeout_error(15)
