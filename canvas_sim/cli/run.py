"""``canvas-sim run``: simulate a scenario and deliver its events, with optional faults."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import click

from ..render import NullPolicy
from .helpers import (
    check_writable,
    clean_errors,
    duration_option,
    duration_range_option,
    interrupt_code,
    terminate_as_interrupt,
    write_json,
)
from .options import parse_settings, seed_option, set_option, with_delivery_options
from .plan import DeliveryPlan


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@seed_option()
@set_option(
    "Override a parameter the scenario declares under params (e.g. students=500). Repeatable."
)
@with_delivery_options
@click.option(
    "--templates",
    type=click.Path(file_okay=False, path_type=str),
    help="Directory of <event>.json.j2 templates that override or add to the built-in ones.",
)
@click.option(
    "--nulls",
    type=click.Choice(["keep", "omit", "omit-requests"]),
    default="keep",
    show_default=True,
    help="Null-valued body keys: keep them (as Canvas's docs show), omit them (newest Canvas), "
    "or omit them only in request-driven events (payloads seen in 2024).",
)
@click.option(
    "--seconds-only",
    is_flag=True,
    help="Every body timestamp with second precision, as Canvas sends them, also "
    "grade_override updated_at and submission_comment_created created_at (whose doc examples "
    "show milliseconds, kept by default).",
)
@click.option(
    "--single-process",
    is_flag=True,
    help="Generate events in the delivering process (by default, HTTP runs generate them in a "
    "forked child so that delivery has a core of its own). Not with --workers above 1.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Processes that simulate shares of the courses (balanced by people x steps); one "
    "merge keeps the stream byte-identical for any number. Default: the machine's cores when "
    "every target is a file or URL, else 1 (stdout, --single-process).",
)
@click.option(
    "--duplicates",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Fault: deliver this fraction of events twice (Canvas may redeliver).",
)
@click.option(
    "--drop",
    "drop_share",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Fault: lose this fraction of events.",
)
@click.option(
    "--reorder",
    metavar="WINDOW",
    help="Fault: shuffle arrivals within this simulated window, e.g. 30s (so a "
    "course_grade_change can arrive before its grade_change).",
)
@click.option(
    "--delay",
    metavar="MIN-MAX",
    help="Fault: deliver some events this much later in the stream, e.g. 1m-10m.",
)
@click.option(
    "--delay-share",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="With --delay: the fraction of events delayed.",
)
@click.option(
    "--compact-nulls",
    is_flag=True,
    help="Fault: request-driven events omit null-valued body keys (as real payloads).",
)
@click.option(
    "--mixed-offsets",
    is_flag=True,
    help="Fault: body timestamps in varied UTC offsets (the same instants).",
)
@click.option(
    "--extra-keys",
    is_flag=True,
    help="Fault: unknown keys in metadata and body, as Canvas may add.",
)
@click.option(
    "--faults-manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the list of injected faults goes (default: beside the first output "
    "file, <name>.faults.jsonl, else faults.jsonl).",
)
@click.option(
    "--state-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the end state a consumer should have derived (per student: each assignment's "
    "score, grade and state, the four course scores, the override) as JSON.",
)
@clean_errors
@terminate_as_interrupt()
def run(
    scenario: str,
    seed: int | None,
    settings: tuple[str, ...],
    templates: str | None,
    nulls: str,
    seconds_only: bool,
    single_process: bool,
    workers: int | None,
    duplicates: float,
    drop_share: float,
    reorder: str | None,
    delay: str | None,
    delay_share: float,
    compact_nulls: bool,
    mixed_offsets: bool,
    extra_keys: bool,
    faults_manifest: Path | None,
    state_out: Path | None,
    **delivery_options: Any,
) -> None:
    """Run SCENARIO and deliver its events.

    The same scenario and seed always give byte-identical output. A file target is written
    atomically: on any error nothing (not even a partial file) is left behind. URL targets get
    one POST per event with Canvas-like retries; what cannot be delivered goes to the dead-letter
    file and the run exits 1. Ctrl-C or SIGTERM stop generating, drain in-flight requests, and
    report (exit 130 / 143). A summary goes to stderr.
    """
    plan = DeliveryPlan({**delivery_options, "templates": templates})
    reorder_ms = duration_option(reorder, "--reorder") or 0
    delay_ms = duration_range_option(delay or "0s", "--delay", "delay")
    given = click.get_current_context().get_parameter_source("delay_share")
    if given is not click.core.ParameterSource.DEFAULT and not delay:
        raise click.UsageError("--delay-share goes with --delay MIN-MAX")
    if single_process and workers is not None and workers > 1:
        raise click.UsageError(
            f"--single-process generates in one process; --workers {workers} forks "
            f"{workers}: give one of them"
        )
    if state_out is not None:
        check_writable(state_out, "--state-out")
    try:  # a busy machine takes a while here; Ctrl-C still says what was not kept
        from ..faults import FaultConfig, FaultInjector, Manifest, count_faults
        from ..producer import fork_available, usable_cores
        from ..report import live_progress, print_summary
        from ..run import deliver_scenario, run_scenario
        from ..scenario import load_scenario

        fault_config = FaultConfig(
            duplicates=duplicates,
            drop=drop_share,
            reorder_ms=reorder_ms,
            delay_ms=delay_ms,
            delay_share=delay_share if delay else 0.0,
            compact_nulls=compact_nulls,
            mixed_offsets=mixed_offsets,
            extra_keys=extra_keys,
        )
        manifest_path = None
        if fault_config.active:
            first_file = plan.files[0] if plan.files else None
            manifest_path = faults_manifest or (
                first_file.with_name(first_file.name + ".faults.jsonl") if first_file else None
            )
            manifest_path = manifest_path or Path("faults.jsonl")
            check_writable(manifest_path, "--faults-manifest")
        plan.check_outputs(
            [("--state-out", state_out), ("--faults-manifest", manifest_path)],
            # A name that is no file here is a shipped scenario: nothing to overwrite.
            inputs=[("the scenario file", Path(scenario))] if Path(scenario).exists() else [],
        )
        scenario_model, located = load_scenario(scenario, parse_settings(settings))
    except KeyboardInterrupt as exc:
        plan.interrupted(interrupt_code(exc), unwritten=state_out)
    sinks = plan.sinks()
    injector = None
    if manifest_path is not None:
        seeded = replace(fault_config, seed=scenario_model.seed if seed is None else seed)
        injector = FaultInjector(seeded, Manifest(manifest_path))
    if workers is None:
        workers = 1 if single_process or "-" in plan.paths else usable_cores()
    try:
        if not plan.delivering:
            with live_progress(enabled=not plan.quiet) as progress:
                result = run_scenario(
                    scenario_model,
                    located,
                    sinks,
                    seed=seed,
                    templates=templates,
                    nulls=cast(NullPolicy, nulls),
                    body_ms=not seconds_only,
                    progress=progress,
                    faults=injector,
                    workers=workers,
                    gradebook=state_out is not None,
                )
        else:
            options = plan.options(
                producer_process=bool(plan.urls) and not single_process and fork_available(),
                faults=injector,
                workers=workers,
            )
            with plan.live(options):
                result = deliver_scenario(
                    scenario_model,
                    located,
                    sinks,
                    options,
                    seed=seed,
                    templates=templates,
                    nulls=cast(NullPolicy, nulls),
                    body_ms=not seconds_only,
                    end_state=state_out is not None or not plan.quiet,
                    gradebook=state_out is not None,
                )
    except KeyboardInterrupt as exc:  # during generation to files, or before delivery began
        plan.interrupted(interrupt_code(exc), unwritten=state_out)
    # Results first: a reader that went away (2>&1 | head) cannot lose them.
    if state_out is not None and result.gradebook is not None:
        write_json(state_out, result.gradebook)
    plan.write_results(result)
    if not plan.quiet:
        print_summary(result)
    plan.report(result)
    if injector is not None and not plan.quiet and injector.manifest.path.exists():
        counts = count_faults(injector.manifest.path)
        listed = ", ".join(f"{kind} {count:,}" for kind, count in sorted(counts.items()))
        click.echo(f"injected faults ({listed}) are listed in {injector.manifest.path}", err=True)
    plan.finish(result)
