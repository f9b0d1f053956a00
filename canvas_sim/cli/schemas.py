"""``canvas-sim schemas``: export the JSON Schemas of the event types."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import SimulatorError
from .helpers import clean_errors


@click.command()
@click.option(
    "--out",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Directory to write the schema files into.",
)
@clean_errors
def schemas(directory: Path) -> None:
    """Export the JSON Schemas (draft 2020-12) of every event type the simulator emits, and
    of the other Canvas events that `validate` knows.

    One <event_name>.schema.json per type, describing the whole payload (metadata and body:
    types, nullability, global and local id forms, enumerations), plus _common.schema.json with
    the shared definitions they refer to, and _end_state.schema.json, the format of
    `run --state-out` files (docs/end-state.md).
    """
    from importlib.resources import files

    source = files("canvas_sim.schemas")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        names = sorted(e.name for e in source.iterdir() if e.name.endswith(".schema.json"))
        for name in names:
            (directory / name).write_text(source.joinpath(name).read_text("utf-8"), "utf-8")
    except OSError as exc:
        raise SimulatorError(f"cannot write {directory}: {exc.strerror or exc}") from None
    click.echo(f"{len(names)} schemas written to {directory}/", err=True)
