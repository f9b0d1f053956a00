"""Check a stream of Canvas Live Events (JSONL) against the schemas and against itself.

Independent of the generator: it reads only the events (never the engine, world, catalogue or
grade calculator) and the JSON Schemas in :mod:`canvas_sim.schemas`, so it can judge the
simulator's output as well as payloads captured from a real Canvas.

Public API::

    @dataclass
    class Problem:
        line: int            # 1-based line number in the stream
        event: str | None    # metadata.event_name, when known
        kind: str            # see below
        message: str         # names the JSON path: '$.body.score: "8" is not of type number...'

    @dataclass
    class Report:
        events: Counter[str]         # lines per event_name (duplicates included)
        problems: list[Problem]      # at most max_problems of them, in stream order
        lines: int                   # lines read (blank lines are skipped but counted)
        lenient_notes: Counter[str]  # lenient mode: what was tolerated, by note kind
        dropped: int                 # problems beyond max_problems (counted, not kept)
        ok: bool                     # property: no problems

    validate_lines(lines: Iterable[bytes | str], *, lenient=False, max_problems=1000,
                   dedupe_window=100_000, allow_empty=False) -> Report
    validate_file(path: str | Path, **same keywords) -> Report   # "-" reads stdin (binary)
    # nothing but blank lines is a problem at line 0 (the whole file) unless allow_empty

    StreamValidator(**same keywords but allow_empty)   # the engine of both: .feed(line), .report
    first_schema_problem(event: dict) -> str | None   # one event, strictly: the first problem

    python -m canvas_sim.validate [--lenient] [--max-problems N] [--allow-empty] [FILE ...]
        # prints the problems; exit 0 when clean, 1 on problems, 2 when a file cannot be read

Problem kinds:

- ``json``: not JSON, or not an object with ``metadata`` and ``body`` objects.
- ``unknown_event``: ``metadata.event_name`` has no schema.
- ``schema``: a schema error (every one of them, each naming its JSON path); also a body that is
  another event's body (``grade_override`` sent as ``event_name: "grade_change"``, as in Canvas's
  docs): reported once on ``$.metadata.event_name``, then checked as the event it is.
- ``lenient``: strict mode only: a deviation real deliveries show and lenient mode tolerates: an
  omitted null-valued body key (``omitted_null``), a missing key that current Canvas sends beyond
  its docs (``missing_undocumented_key``: ``assignment_name``, ``posted_at``), an unknown extra
  key (``extra_body_key``, ``extra_metadata_key``, ``extra_top_level_key``), an optional metadata
  key missing (``missing_metadata_key``: ``context_*``, ``user_*``, ``time_zone``, ``session_id``,
  ``referrer``). With ``lenient=True`` these are counted in ``lenient_notes`` under those names.
- ``chain``: an ``old_*`` value differs from the new value of the previous event of the same
  record: ``grade_change`` per ``submission_id`` (``old_score``, ``old_grade``,
  ``old_points_possible``), ``course_grade_change`` per (``user_id``, ``course_id``) (the four
  scores), ``grade_override`` per ``score_id``, ``submission_custom_grade_status`` per
  ``submission_id`` and ``final_grade_custom_status`` per ``score_id`` (status name and id,
  ``""`` = none). The first event seen of a record is taken as is.
- ``attempt``: ``attempt`` decreased for a ``submission_id`` across ``submission_created`` /
  ``submission_updated`` (null counts as 0).
- ``duplicate``: a line identical (after trailing whitespace) to an earlier line within the last
  ``dedupe_window`` lines; counted as a ``duplicate`` note in lenient mode. A duplicate is not
  checked again and does not feed the chains.

The chain and attempt checks assume the stream is in emission order (the simulator's output, or
a capture sorted back into it); Canvas itself delivers out of order. Memory: the chain state is
one small entry per record (submission, score row), the duplicate window a bounded number of
line hashes; the stream itself is never held. Speed: each schema is also compiled to a plain
predicate; valid events, and events whose only deviations are omitted nulls and unknown keys, never
reach jsonschema, which runs only to describe the errors of the others (tests check that both
agree).

Payload formats: each JSON object goes to the checker of the format that claims it, Canvas's
unless another registered one does (:mod:`.formats`: ``register_format(PayloadFormat(...))``):
Caliper 1.1 envelopes are checked by :class:`canvas_sim.caliper.stream.CaliperChecker` (kind
``caliper``; events counted by ``"<type> <action> <object type>"``).

Modules: ``stream`` (lines, duplicates, dispatch), ``formats`` (the dispatch point), ``canvas``
(the Canvas checker, its chains), ``catalogue`` (schemas compiled once), ``fastpath`` (schemas
as plain predicates), ``findings`` (schema errors made into messages), ``report`` (problems and
the recorder), ``command`` (``python -m canvas_sim.validate``).
"""

from __future__ import annotations

from .canvas import ATTEMPT_EVENTS, CHAINS, CanvasChecker
from .command import main
from .findings import EXTRA_KEY_NOTES, LENIENT_METADATA_KEYS, SHORT, first_schema_problem
from .formats import FormatChecker, PayloadFormat, register_format
from .report import Problem, Recorder, Report
from .stream import StreamValidator, validate_file, validate_lines

__all__ = [
    "ATTEMPT_EVENTS",
    "CHAINS",
    "EXTRA_KEY_NOTES",
    "LENIENT_METADATA_KEYS",
    "SHORT",
    "CanvasChecker",
    "FormatChecker",
    "PayloadFormat",
    "Problem",
    "Recorder",
    "Report",
    "StreamValidator",
    "first_schema_problem",
    "main",
    "register_format",
    "validate_file",
    "validate_lines",
]
