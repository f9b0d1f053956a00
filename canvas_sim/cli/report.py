"""``canvas-sim report``: a delivery's --stats-json as a self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

import click

from .helpers import check_writable, clean_errors


@click.command()
@click.argument("stats", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--html",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML page to write (one file; it opens offline).",
)
@clean_errors
def report(stats: Path, out: Path) -> None:
    """Render a delivery's --stats-json (STATS) as an HTML page with rate and latency charts.

    The page is self-contained (the plotting library's script is inlined), so it opens
    without a network and can be attached to a ticket.

    \b
    Example:
      canvas-sim run scenarios/load.yaml --to http://127.0.0.1:8080/events --ramp \\
          0s:100,60s:2000 --duration 2m --stats-json out/stats.json
      canvas-sim report out/stats.json --html out/report.html
    """
    from ..html_report import write_report

    check_writable(out, "--html")
    write_report(stats, out)
    click.echo(f"wrote {out}", err=True)
