"""``canvas-sim receive``: a real HTTP receiver of Canvas Live Events."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson

from ..errors import SimulatorError
from .helpers import (
    check_writable,
    clean_errors,
    duration_range_option,
    option_file,
    refuse_same_files,
)
from .options import seed_option

if TYPE_CHECKING:
    from ..signing import Verifier


def _read_json(path: Path, what: str) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except OSError as exc:
        raise SimulatorError(f"cannot read {path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise SimulatorError(f"{path} is not JSON ({exc}); expected {what}") from None


def _end_state(path: Path) -> dict[str, Any]:
    """An end state written by ``run --state-out``, checked against its schema."""
    import jsonschema  # type: ignore[import-untyped]

    from ..schemas import end_state_schema

    what = "an end state written by `run --state-out`"
    state = _read_json(path, what)
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(end_state_schema()).iter_errors(state)
    )
    if error is not None:
        raise SimulatorError(f"{path} is not {what}: {error.json_path}: {error.message}")
    assert isinstance(state, dict)
    return state


def _jwks(path: str, issuer: str | None) -> tuple[dict[str, Any], Verifier]:
    """A JWKS file and the verifier of its keys."""
    import jwt

    from ..signing import Verifier

    what = 'a JWKS ({"keys": [{"kty": "RSA", "kid": ..., "n": ..., "e": ...}, ...]})'
    jwks = _read_json(Path(path), what)
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not all(isinstance(key, dict) for key in keys):
        raise SimulatorError(f"{path} is not {what}")
    try:
        return jwks, Verifier.from_jwks(jwks, issuer)
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise SimulatorError(f"{path}: a key is not an RSA public key ({exc})") from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on (0 picks a free one).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Append every accepted event to this JSONL file; '-' writes them to stdout.",
)
@click.option(
    "--verify-key",
    type=click.Path(dir_okay=False, path_type=str),
    help="PEM public key: verify RS256-signed payloads with it.",
)
@click.option(
    "--jwks",
    "jwks_path",
    type=click.Path(dir_okay=False, path_type=str),
    help="JWKS file: verify signed payloads by their kid, and serve it at GET /jwks.",
)
@click.option("--issuer", help="Require this JWT 'iss' claim.")
@click.option(
    "--fail-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Answer this fraction of POSTs with 500, to exercise senders' retries.",
)
@click.option(
    "--latency",
    default="0ms",
    show_default=True,
    metavar="DURATION[-DURATION]",
    help="Delay every answer: fixed ('50ms') or uniform in a range ('10ms-200ms').",
)
@seed_option("Seed of injected failures and latencies.")
@click.option(
    "--validate",
    is_flag=True,
    help="Check every event against its JSON Schema (as `canvas-sim validate`, strictly); "
    "answer 400 with the first problem.",
)
@click.option(
    "--expect",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="STATE.json",
    help="An end state written by `run --state-out`: the page shows which gradebook cells "
    "differ from it.",
)
@click.option(
    "--tail",
    is_flag=True,
    help="Print each accepted event in plain words on stdout (the page's feed).",
)
@click.option("--quiet", "-q", is_flag=True, help="No live display; only the final summary.")
@clean_errors
def receive(
    host: str,
    port: int,
    out: Path | None,
    verify_key: str | None,
    jwks_path: str | None,
    issuer: str | None,
    fail_rate: float,
    latency: str,
    seed: int | None,
    validate: bool,
    expect: Path | None,
    tail: bool,
    quiet: bool,
) -> None:
    """Receive Canvas Live Events over HTTP and show what arrives.

    A real HTTP server that accepts Canvas-format POSTs (plain JSON, an RS256 JWT, or a JWT as
    a quoted JSON string; JSON arrays from --batch too), verifies signatures when given keys,
    checks each payload's shape, counts arrivals by type, and can inject failures and latency.
    Open its address in a browser for the live dashboard: the arrivals in plain words, rates,
    the gradebook a consumer would derive from them, and the problems (refusals, bad
    signatures, schema failures with --validate, duplicates). GET /stats returns the counts as
    JSON; GET /jwks serves the --jwks keys. Stop with Ctrl-C.
    """
    from ..receiver import ReceiverConfig
    from ..receiver.console import serve_receiver
    from ..signing import Verifier

    to_stdout = out is not None and str(out) == "-"
    if to_stdout and tail:
        raise click.UsageError("--tail and --out - both write to stdout: choose one")
    inputs = [("the --expect file", expect), ("the --jwks file", jwks_path)]
    inputs += [("the --verify-key file", verify_key)]
    refuse_same_files(
        [("--out", None if to_stdout else out)],
        [(what, Path(path)) for what, path in inputs if path is not None],
    )
    if out is not None and not to_stdout:
        check_writable(out, "--out")
    expected = None if expect is None else option_file("--expect", lambda: _end_state(expect))

    latency_ms = duration_range_option(latency, "--latency", "latency")
    verifier = None
    jwks = None
    if jwks_path:
        jwks, verifier = option_file("--jwks", lambda: _jwks(jwks_path, issuer))
    elif verify_key:
        verifier = option_file("--verify-key", lambda: Verifier.from_public_key(verify_key, issuer))
    config = ReceiverConfig(
        host=host,
        port=port,
        out=None if to_stdout else out,
        out_stream=sys.stdout.buffer if to_stdout else None,
        verifier=verifier,
        jwks=jwks,
        fail_rate=fail_rate,
        latency_ms=(float(latency_ms[0]), float(latency_ms[1])),
        seed=seed,
        validate=validate,
        expect=expected,
    )
    serve_receiver(config, live=not quiet, tail=tail)
