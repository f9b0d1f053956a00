"""Tests of ``--to`` parsing: one parser (``cli.targets``) says what each target is."""

from __future__ import annotations

import click
import pytest

from canvas_sim.caliper.format import FORMATS
from canvas_sim.cli.targets import FORMATS as TARGET_FORMATS
from canvas_sim.cli.targets import Target, parse_target, parse_targets


@pytest.mark.parametrize(
    ("spec", "target"),
    [
        ("out.jsonl", Target("file", "out.jsonl")),
        ("./localhost:8080/events", Target("file", "./localhost:8080/events")),
        ("-", Target("stdout", "-")),
        ("http://127.0.0.1:8080/events", Target("http", "http://127.0.0.1:8080/events")),
        ("HTTPS://h/x", Target("http", "HTTPS://h/x")),
        ("sqs://canvas-events", Target("sqs", "sqs://canvas-events")),
        ("caliper:out/c.jsonl", Target("file", "out/c.jsonl", "caliper")),
        ("canvas:-", Target("stdout", "-", "canvas")),
        ("caliper:https://h/x", Target("http", "https://h/x", "caliper")),
        ("caliper:sqs://q", Target("sqs", "sqs://q", "caliper")),
    ],
)
def test_a_target_says_its_kind_place_and_format(spec: str, target: Target) -> None:
    assert parse_target(spec) == target
    assert target.is_url == (target.kind in ("http", "sqs"))
    assert (target.path is not None) == (target.kind == "file")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "--to needs a file path"),
        ("caliper:", "--to needs a file path"),
        ("Caliper:x", "did you mean caliper:?"),
        ("canvas:caliper:x", "once, before the path or URL"),
        ("localhost:8080/events", "did you mean http://localhost:8080/events?"),
        ("htp://h/x", "did you mean http://?"),
        ("http://h:99999/x", "port must be a number"),
        ("http://", "no host"),
        ("https://sqs.us-east-1.amazonaws.com/1/q", "--to sqs://sqs.us-east-1.amazonaws.com/1/q"),
    ],
)
def test_a_mistaken_target_is_a_usage_error(spec: str, message: str) -> None:
    with pytest.raises(click.UsageError) as caught:
        parse_target(spec)
    assert message in caught.value.format_message()


def test_targets_default_to_stdout_and_refuse_a_place_given_twice() -> None:
    assert parse_targets(()) == [Target("stdout", "-")]
    with pytest.raises(click.BadParameter, match="given twice"):
        parse_targets(("a.jsonl", "caliper:a.jsonl"))


def test_the_formats_are_the_caliper_packages() -> None:
    assert TARGET_FORMATS == FORMATS
