"""``canvas-sim events``: list the event types the simulator emits."""

from __future__ import annotations

import click


@click.command()
def events() -> None:
    """List the event types the simulator emits and what emits each."""
    from ..event_types import CATALOGUE

    width = max(map(len, CATALOGUE))
    for name, what in CATALOGUE.items():
        click.echo(f"{name:<{width}}  {what}")
