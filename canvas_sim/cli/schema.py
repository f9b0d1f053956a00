"""``canvas-sim schema``: print the JSON Schema of scenario files."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from .helpers import check_writable, clean_errors, write_json


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schema to this file instead of stdout.",
)
@clean_errors
def schema(out: Path | None) -> None:
    """Print the JSON Schema of scenario files.

    Point your editor at it for validation and completion, e.g. with the YAML language server,
    a first line ``# yaml-language-server: $schema=scenario.schema.json``. The repository ships
    it as scenarios/scenario.schema.json.
    """
    from ..scenario import json_schema

    if out is not None:
        check_writable(out, "--out")
        write_json(out, json_schema())
    else:
        click.echo(orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2).decode())
