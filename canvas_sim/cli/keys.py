"""``canvas-sim keys``: generate RS256 key pairs and their JWKS."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from ..errors import SimulatorError
from .helpers import check_writable_dir, clean_errors


@click.command()
@click.option(
    "--out",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("keys"),
    show_default=True,
    help="Directory for the key files.",
)
@click.option(
    "--kid",
    "kids",
    multiple=True,
    metavar="ID",
    help="Key ids of the previous, current and next keys, given three times (default: the "
    "previous, current and next month, e.g. 2024-08, 2024-09, 2024-10).",
)
@click.option("--force", is_flag=True, help="Replace keys already in the directory.")
@clean_errors
def keys(directory: Path, kids: tuple[str, ...], force: bool) -> None:
    """Generate RS256 key pairs (previous, current, next) and print their JWKS.

    Writes previous.pem, current.pem, next.pem (private; sign with --sign-key current.pem,
    whose key id `run` finds in jwks.json beside it), their .pub.pem public keys and
    jwks.json, which consumers (or `canvas-sim receive --jwks`) use to verify signed
    deliveries. Keys already in the directory are kept unless --force.
    """
    import datetime

    from ..signing import KEY_ROLES, write_key_set

    if kids and len(kids) != 3:
        raise click.UsageError("give --kid three times (previous, current, next) or not at all")
    if len(set(kids)) != len(kids):
        raise click.UsageError(f"the three --kid values must differ (got {', '.join(kids)})")
    existing = [
        name
        for name in (*(f"{role}.pem" for role in KEY_ROLES), "jwks.json")
        if (directory / name).exists()
    ]
    if existing and not force:
        raise click.UsageError(
            f"{directory}/ already holds {', '.join(existing)}: choose another --out, or "
            "--force to replace them (senders and receivers using them will no longer match)"
        )
    if not kids:
        today = datetime.date.today().replace(day=1)
        previous = (today - datetime.timedelta(days=1)).replace(day=1)
        following = (today + datetime.timedelta(days=32)).replace(day=1)
        kids = tuple(f"{d:%Y-%m}" for d in (previous, today, following))
    check_writable_dir(directory, "--out")
    try:
        document = write_key_set(directory, kids)
    except OSError as exc:
        raise SimulatorError(f"cannot write {directory}: {exc.strerror or exc}") from None
    click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
    click.echo(f"keys written to {directory}/ (current key id: {kids[1]})", err=True)
    click.echo(
        f"sign with:   canvas-sim run SCENARIO --to URL --sign-key {directory / 'current.pem'}\n"
        f"verify with: canvas-sim receive --jwks {directory / 'jwks.json'}",
        err=True,
    )
