"""``canvas-sim locustfile``: print the path of the shipped Locust load test."""

from __future__ import annotations

import click


@click.command()
def locustfile() -> None:
    """Print the path of the shipped locustfile, for `locust -f`.

    It runs a scenario as a distributed load test on Locust: the master gives each worker a
    share of the courses, each worker simulates them with the run's seeds and POSTs their
    events (in each course's order) to the URL given as the host. Needs Locust
    (pip install 'canvas-live-events-simulator[locust]'); options in docs/locust.md.

    \b
    Examples:
      locust -f $(canvas-sim locustfile) --headless -u 8 --scenario load --set courses=20 \\
        -H http://127.0.0.1:8080/events
      locust -f $(canvas-sim locustfile) --processes 2 --headless -u 16 --scenario load \\
        -H http://127.0.0.1:8080/events --ledger-json ledger.json
    """
    from ..locust import LOCUSTFILE

    click.echo(str(LOCUSTFILE))
