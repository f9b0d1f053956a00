"""``canvas-sim schemas``: export the JSON Schemas of the event types."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import SimulatorError
from .helpers import check_writable_dir, clean_errors


@click.command()
@click.option(
    "--out",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Directory to write the schema files into.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(["canvas", "caliper"]),
    multiple=True,
    help="Only the schemas of this payload format (repeatable). Default: both, the Caliper "
    "ones in DIR/caliper/.",
)
@clean_errors
def schemas(directory: Path, formats: tuple[str, ...]) -> None:
    """Export the JSON Schemas (draft 2020-12) of every event type the simulator emits, and
    of the other Canvas events that `validate` knows, in both payload formats.

    Canvas format: one <event_name>.schema.json per type, describing the whole payload
    (metadata and body: types, nullability, global and local id forms, enumerations), plus
    _common.schema.json with the shared definitions they refer to, and
    _end_state.schema.json, the format of `run --state-out` files (docs/end-state.md).
    Caliper 1.1 (in caliper/): _envelope.schema.json (what every envelope shares) and one
    <event_name>.schema.json per event type with a Caliper form (its type, action and object
    type); validate also checks Canvas's rules across fields.
    """
    import json
    from importlib.resources import files

    from ..caliper.schema import schemas as caliper_schemas

    chosen = set(formats or ("canvas", "caliper"))
    written = []
    check_writable_dir(directory, "--out")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if "canvas" in chosen:
            source = files("canvas_sim.schemas")
            names = sorted(e.name for e in source.iterdir() if e.name.endswith(".schema.json"))
            for name in names:
                (directory / name).write_text(source.joinpath(name).read_text("utf-8"), "utf-8")
                written.append(name)
        if "caliper" in chosen:
            (directory / "caliper").mkdir(exist_ok=True)
            for name, schema in caliper_schemas().items():
                text = json.dumps(schema, indent=2) + "\n"
                (directory / "caliper" / name).write_text(text, "utf-8")
                written.append(f"caliper/{name}")
    except OSError as exc:
        raise SimulatorError(f"cannot write {directory}: {exc.strerror or exc}") from None
    click.echo(f"{len(written)} schemas written to {directory}/", err=True)
