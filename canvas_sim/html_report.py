"""``canvas-sim report``: a delivery's ``--stats-json`` as a self-contained HTML page, with
rate and latency charts over time (plotly, its JavaScript inlined: no network needed)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import orjson

from .errors import SimulatorError

EXTRA_HINT = "pip install 'canvas-live-events-simulator[report]'"


class ReportError(SimulatorError):
    """A stats file that is not a delivery's --stats-json."""

    exit_code = 2


NOT_STATS = (
    "not a delivery's --stats-json (expected an object with a 'series' list; write one with "
    "`canvas-sim run/replay ... --stats-json PATH`)"
)


def load_stats(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:  # e.g. an events file (JSONL)
        raise ReportError(f"{path}: not JSON ({exc}), so {NOT_STATS}") from None
    if not isinstance(data, dict) or not isinstance(data.get("series"), list):
        raise ReportError(f"{path}: {NOT_STATS}")
    return data


def _figures(series: list[dict[str, Any]]) -> list[Any]:
    try:
        import plotly.graph_objects as go
    except ImportError:
        raise SimulatorError(
            f"the HTML report needs plotly, which is not installed: {EXTRA_HINT}"
        ) from None
    seconds = [row.get("second") for row in series]

    def line(key: str, name: str, **style: Any) -> Any:
        return go.Scatter(x=seconds, y=[row.get(key) for row in series], name=name, **style)

    rate = go.Figure(
        [
            line("sent", "sent"),
            line("target_rate", "target rate", line={"dash": "dash"}),
            line("delivered", "delivered"),
            line("dead_lettered", "dead-lettered"),
            line("outcome_unknown", "outcome unknown (timed out)"),
            line("retries", "retries"),
            line("answered_5xx", "5xx answers"),
            line("timeouts", "timeouts"),
            line("connection_errors", "connection errors"),
        ]
    )
    rate.update_layout(title="Events per second", xaxis_title="second", yaxis_title="per second")
    latency = go.Figure(
        [
            line("latency_p50_ms", "latency from the schedule p50"),
            line("latency_p99_ms", "latency from the schedule p99"),
            line("service_p50_ms", "service time p50", line={"dash": "dot"}),
            line("service_p99_ms", "service time p99", line={"dash": "dot"}),
        ]
    )
    latency.update_layout(title="Latency (ms)", xaxis_title="second", yaxis_title="ms")
    in_flight = go.Figure([line("in_flight", "requests in flight")])
    in_flight.update_layout(title="In flight", xaxis_title="second")
    return [rate, latency, in_flight]


def _summary_rows(data: dict[str, Any]) -> str:
    keys = (
        ("events_generated", "events sent"),
        ("events_delivered", "delivered (to every target)"),
        ("events_dead_lettered", "dead-lettered"),
        ("events_outcome_unknown", "outcome unknown (timed out)"),
        ("events_not_sent", "not sent"),
        ("stop_reason", "stopped"),
        ("achieved_rate", "achieved events/s"),
        ("target_rate", "target events/s"),
        ("ramp", "ramp (seconds, events/s)"),
        ("speed", "speed (x simulated time)"),
        ("seconds", "seconds"),
    )
    rows = [
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(str(data.get(key)))}</td></tr>"
        for key, label in keys
    ]
    for target in data.get("targets", []):
        latency, service = target.get("latency_ms", {}), target.get("service_time_ms", {})
        figures = (
            f"{target.get('events_delivered')} delivered, "
            f"{target.get('events_dead_lettered')} dead-lettered, "
            f"{target.get('events_outcome_unknown')} unknown; latency p50/p99/max "
            f"{latency.get('p50')}/{latency.get('p99')}/{latency.get('max')} ms; service time "
            f"{service.get('p50')}/{service.get('p99')}/{service.get('max')} ms"
        )
        rows.append(
            f"<tr><th>{html.escape(str(target.get('target')))}</th>"
            f"<td>{html.escape(figures)}</td></tr>"
        )
    for hint in data.get("hints", []):
        rows.append(f"<tr><th>note</th><td>{html.escape(str(hint))}</td></tr>")
    return "\n".join(rows)


def render_html(data: dict[str, Any], title: str) -> str:
    """The page: a summary table, then the charts (plotly's script inlined once)."""
    import plotly.io as pio

    charts = [
        pio.to_html(figure, full_html=False, include_plotlyjs=index == 0)
        for index, figure in enumerate(_figures(data["series"]))
    ]
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}th{text-align:left;padding-right:1em}"
        "</style></head><body>"
        f"<h1>{html.escape(title)}</h1><table>{_summary_rows(data)}</table>"
        "<p>Latency is measured from each event's scheduled send time to its final answer "
        "(retries included), so a stalled consumer cannot hide; service time is one request, "
        "first byte sent to answer.</p>" + "".join(charts) + "</body></html>\n"
    )


def write_report(stats_path: Path, out: Path) -> None:
    """Render ``stats_path`` (a --stats-json) to ``out``, written atomically."""
    data = load_stats(stats_path)
    page = render_html(data, f"Delivery report: {stats_path.name}")
    temporary = out.with_name(f".{out.name}.partial")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(page, encoding="utf-8")
        temporary.replace(out)
    except OSError as exc:
        raise SimulatorError(f"cannot write {out}: {exc.strerror or exc}") from None
