"""The benchmark suite: each figure beside a baseline measured in the same run, as a ratio.

    make bench                      # everything (a few minutes)
    python benchmarks/bench.py generation delivery   # some sections

Sections:
  generation  JSONL generation on one core (the load scenario at 60 courses, one course of
              2000 students, and the campus-day scenario: mostly asset_accessed) vs building
              the same payload dicts in plain Python and serialising them with orjson to the
              same kind of file (the limit baseline)
  delivery    one event per POST to the local receiver: the simulator's pipeline (generating as
              it sends, `canvas-sim replay` of a file of the same events, and that replay's
              delivery alone, the events parsed beforehand) vs a bare client
              loop posting the same pre-rendered bodies; and httpx's default transport,
              httpx-aiohttp, plain aiohttp and the simulator's transport on the same receiver
  signing     signed delivery (RS256, signed where events are produced) vs a bare sign-only
              loop of the same bodies and key: pinned (the client's process tree and the bare
              loop on the same core, the stub consumer on the other: `replay` and `run`), and
              unpinned (`replay`, `run --workers 1` and `--workers 2` vs the loop in one process
              and in two); and vs the same delivery unsigned (benchmarks/signed_delivery.py)
  sqs         the SQS sink against a minimal local SQS-protocol endpoint vs a bare boto3 loop
              (benchmarks/network_sinks.py; real SQS throughput is not measurable here)
  memory      peak RSS after 100k and after 1M events (the second within 20% of the first)
  shards      `run --workers 2` vs one process on the load scenario at 60 and 250 courses (the
              same bytes, checked; best of 3 alternating runs, each pair's ratio printed too),
              and the peak RSS per process at 1,000 courses with 2 workers vs 1
  startup     `canvas-sim --help` and `canvas-sim run` on an empty scenario vs `python -c pass`
  locust      the shipped locustfile with 2 local workers (--processes 2) vs 1, 32 users, one
              event per POST to the receiver in another process (which shares the 2 cores)
              and to nginx answering 204 (if installed), with each process's CPU share; and
              1 worker vs a bare aiohttp loop posting the same pre-rendered bodies
"""

from __future__ import annotations

import asyncio
import gc
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import locust_scaling  # noqa: E402
from large_course import large_course  # noqa: E402
from network_sinks import sqs  # noqa: E402
from signed_delivery import signing  # noqa: E402

from canvas_sim.caliper import CaliperRenderer  # noqa: E402
from canvas_sim.caliper.format import CaliperFormat, CaliperSink  # noqa: E402
from canvas_sim.cli import GC_THRESHOLDS  # noqa: E402
from canvas_sim.delivery import DeadLetters, DeliveryStats, HttpTarget, deliver  # noqa: E402
from canvas_sim.engine import Engine  # noqa: E402
from canvas_sim.replay import check_files, read_events  # noqa: E402
from canvas_sim.run import (  # noqa: E402
    DeliveryOptions,
    deliver_scenario,
    open_sender,
    replay_files,
    run_scenario,
)
from canvas_sim.scenario import Scenario, load_scenario, parse_scenario  # noqa: E402
from canvas_sim.sinks import JsonlFileSink  # noqa: E402
from canvas_sim.yamlsource import Located  # noqa: E402

ROWS: list[tuple[str, str, str, str]] = []


def row(name: str, value: str, baseline: str, ratio: str) -> None:
    ROWS.append((name, value, baseline, ratio))
    print(f"  {name:<66} {value:>12} {baseline:>12} {ratio:>8}", flush=True)


def best_of(runs: int, fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(runs))


# --- generation ----------------------------------------------------------------------------


LOAD_COURSES = 60  # of the load scenario's 250 by default: ~115k events, a baseline in memory


def generation(tmp: Path) -> None:
    load, load_located = load_scenario(
        ROOT / "scenarios" / "load.yaml", {"courses": str(LOAD_COURSES)}
    )
    generation_of(tmp, f"load scenario, {LOAD_COURSES} courses", load, load_located)
    large, large_located = parse_scenario(large_course(students=2000, cycles=4), "large.yaml")
    generation_of(tmp, "one course, 2000 students", large, large_located)
    campus, campus_located = load_scenario(ROOT / "scenarios" / "campus-day.yaml")
    generation_of(tmp, "campus-day scenario, 40 courses", campus, campus_located)


def generation_of(tmp: Path, name: str, scenario: Scenario, located: Located) -> None:
    """Generation to JSONL vs building the same payload dicts and serialising them (orjson)."""
    out = tmp / "events.jsonl"
    started = time.perf_counter()
    result = run_scenario(scenario, located, [JsonlFileSink(out)])
    elapsed = time.perf_counter() - started
    events = result.total
    ours = events / elapsed
    # Baseline: the same payloads as plain dicts, built and serialised with orjson to a file.
    parsed = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    shapes = [(tuple(e["metadata"].items()), tuple(e["body"].items())) for e in parsed]
    del parsed

    def baseline() -> float:
        started = time.perf_counter()
        with open(tmp / "baseline.jsonl", "wb", buffering=1 << 20) as handle:
            for metadata, body in shapes:
                handle.write(orjson.dumps({"metadata": dict(metadata), "body": dict(body)}))
                handle.write(b"\n")
        return time.perf_counter() - started

    limit = events / best_of(3, baseline)
    row(
        f"generation, {name} ({events:,} events), events/s",
        f"{ours:,.0f}",
        f"{limit:,.0f}",
        f"{ours / limit:.1%}",
    )
    # The simulation alone: the engine's events (state, score math, body fields), neither
    # rendered nor written. Generation can never be faster than this.
    engine = Engine(scenario, located, None)
    started = time.perf_counter()
    simulated = sum(1 for _ in engine.events())
    alone = simulated / (time.perf_counter() - started)
    row(
        "  of which the simulation alone (no metadata, JSON or file), events/s",
        f"{alone:,.0f}",
        f"{limit:,.0f}",
        f"{alone / limit:.1%}",
    )


# --- delivery ------------------------------------------------------------------------------


def start_receiver(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "canvas_sim", "receive", "--port", "0", "-q", *args],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", process.stderr.readline())
    assert match, "receiver did not start"
    return process, f"http://127.0.0.1:{match.group(1)}/events"


async def post_all(bodies: Sequence[bytes], url: str, concurrency: int, kind: str) -> float:
    """A bare client loop: POST every body, ``concurrency`` at a time; returns seconds."""
    import httpx

    queue = iter(bodies)
    headers = {"content-type": "application/json"}
    started = time.perf_counter()
    if kind == "aiohttp":
        import aiohttp

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:

            async def worker_aiohttp() -> None:
                for body in queue:
                    async with s.post(url, data=body, headers=headers) as response:
                        await response.read()
                        assert response.status == 200

            await asyncio.gather(*(worker_aiohttp() for _ in range(concurrency)))
        return time.perf_counter() - started
    if kind == "lean":
        from canvas_sim.delivery.transport import LeanTransport, origin_of

        transport = LeanTransport()
        target = httpx.URL(url)
        origin = origin_of(target)
        head = (
            f"POST {target.raw_path.decode()} HTTP/1.1\r\nHost: {target.netloc.decode()}\r\n"
            "Content-Type: application/json\r\n"
        ).encode()

        async def worker_lean() -> None:
            for body in queue:
                payload = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
                status, _, _ = await transport.exchange(origin, payload)
                assert status == 200

        await asyncio.gather(*(worker_lean() for _ in range(concurrency)))
        await transport.aclose()
        return time.perf_counter() - started
    transport_arg = None
    if kind == "httpx-aiohttp":
        import aiohttp
        from httpx_aiohttp import AiohttpTransport

        transport_arg = AiohttpTransport(
            client=lambda: aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
        )
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, transport=transport_arg) as client:

        async def worker_httpx() -> None:
            for body in queue:
                response = await client.post(url, content=body, headers=headers)
                assert response.status_code == 200

        await asyncio.gather(*(worker_httpx() for _ in range(concurrency)))
    return time.perf_counter() - started


def delivery(tmp: Path, count: int = 20_000, concurrency: int = 16) -> None:
    text = large_course(students=1500, cycles=2)
    scenario, located = parse_scenario(text, "large-course.yaml")
    process, url = start_receiver()
    try:
        options = DeliveryOptions(
            targets=[HttpTarget(url=url, concurrency=concurrency)],
            max_events=count,
            dead_letter=tmp / "dead.jsonl",
            producer_process=True,
        )
        started = time.perf_counter()
        result = deliver_scenario(scenario, located, [], options)
        elapsed = time.perf_counter() - started
        assert result.delivery is not None
        delivered = sum(result.delivery.delivered.values())
        ours = delivered / elapsed
        bodies = [bytes(line) for line in _lines(scenario, located, count)]
        bare = len(bodies) / asyncio.run(post_all(bodies, url, concurrency, "lean"))
        row(
            f"HTTP one event per POST, generating, events/s (c={concurrency})",
            f"{ours:,.0f}",
            f"{bare:,.0f}",
            f"{ours / bare:.1%}",
        )
        replayed, passes = replay_rate(tmp, bodies, url, concurrency)
        bare = len(bodies) / asyncio.run(post_all(bodies, url, concurrency, "lean"))
        row(
            f"HTTP one event per POST, `replay` of a file, events/s (c={concurrency})",
            f"{replayed:,.0f}",
            f"{bare:,.0f}",
            f"{replayed / bare:.1%}",
        )
        nothing = parsed_rate(tmp, url, concurrency)
        bare = len(bodies) / asyncio.run(post_all(bodies, url, concurrency, "lean"))
        row(
            "  replay that parses nothing (events read beforehand), events/s",
            f"{nothing:,.0f}",
            f"{bare:,.0f}",
            f"{nothing / bare:.1%}",
        )
        # What a replay could reach if its delivery cost no more than the bare loop: the
        # loop's time plus the two passes over the file (check every line, then read to send).
        ceiling = len(bodies) / (len(bodies) / bare + passes)
        row(
            "  ceiling: bare loop + the replay's two file passes, events/s",
            f"{ceiling:,.0f}",
            f"{bare:,.0f}",
            f"{ceiling / bare:.1%}",
        )
        sample = bodies[:5000]
        lean = len(sample) / asyncio.run(post_all(sample, url, concurrency, "lean"))
        for kind in ("httpx", "httpx-aiohttp", "aiohttp"):
            try:
                rate = len(sample) / asyncio.run(post_all(sample, url, concurrency, kind))
            except ImportError:
                row(f"transport {kind}, requests/s", "not installed", "", "")
                continue
            row(
                f"transport {kind} vs simulator's, requests/s",
                f"{rate:,.0f}",
                f"{lean:,.0f}",
                f"{rate / lean:.1%}",
            )
    finally:
        process.terminate()
        process.communicate()


def replay_rate(
    tmp: Path, bodies: Sequence[bytes], url: str, concurrency: int
) -> tuple[float, float]:
    """Events/s of `canvas-sim replay FILE --to URL` (the file checked, then read and sent),
    and the seconds its two passes over the file take alone (best of 3)."""
    events = tmp / "replay.jsonl"
    events.write_bytes(b"".join(body + b"\n" for body in bodies))
    options = DeliveryOptions(
        targets=[HttpTarget(url=url, concurrency=concurrency)], dead_letter=tmp / "dead.jsonl"
    )
    started = time.perf_counter()
    checked = check_files([events])
    result = replay_files([events], [], options)
    elapsed = time.perf_counter() - started
    assert result.delivery is not None
    delivered = sum(result.delivery.delivered.values())
    assert delivered == checked.events == len(bodies), (delivered, checked.events)

    def passes() -> float:
        started = time.perf_counter()
        check_files([events])
        for _ in read_events([events]):
            pass
        return time.perf_counter() - started

    return delivered / elapsed, best_of(3, passes)


def parsed_rate(tmp: Path, url: str, concurrency: int) -> float:
    """Events/s of the replay's delivery alone: the events of ``replay_rate``'s file, read and
    parsed beforehand, delivered as `replay` delivers them (the pipeline's own cost)."""
    events = list(read_events([tmp / "replay.jsonl"]))
    stats = DeliveryStats()
    dead = DeadLetters(tmp / "dead.jsonl")

    async def go() -> float:
        sender = open_sender(HttpTarget(url=url, concurrency=concurrency), stats, dead, None)
        started = time.perf_counter()
        try:
            await deliver(events, [sender], stats=stats)
        finally:
            await sender.aclose()
        return time.perf_counter() - started

    elapsed = asyncio.run(go())
    dead.close()
    assert sum(stats.delivered.values()) == len(events)
    return len(events) / elapsed


def _lines(scenario: object, located: object, count: int) -> list[bytes]:
    from canvas_sim.sinks import MemorySink

    sink = MemorySink()
    run_scenario(scenario, located, [sink])  # type: ignore[arg-type]
    return sink.lines[:count]


# --- memory --------------------------------------------------------------------------------

MEMORY_CHILD = """
import sys
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from large_course import large_course
import gc
from canvas_sim.cli import GC_THRESHOLDS
from canvas_sim.delivery import HttpTarget  # noqa: E402
from canvas_sim.engine import Engine  # noqa: E402
from canvas_sim.run import DeliveryOptions, deliver_scenario
from canvas_sim.scenario import parse_scenario
from canvas_sim.sinks import JsonlFileSink
gc.set_threshold(*GC_THRESHOLDS)  # as `canvas-sim` runs
scenario, located = parse_scenario(large_course(students=2000, cycles=200), "large.yaml")
options = DeliveryOptions(max_events={events}, dead_letter={dead!r})
result = deliver_scenario(scenario, located, [JsonlFileSink({out!r})], options)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec, so a
# bench process that just held the generation baseline would inflate it.
peak = next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(result.total, peak)
"""


def memory(tmp: Path) -> None:
    peaks = {}
    for events in (100_000, 1_000_000):
        code = MEMORY_CHILD.format(
            root=str(ROOT),
            bench=str(ROOT / "benchmarks"),
            events=events,
            dead=str(tmp / "dead.jsonl"),
            out=str(tmp / "memory.jsonl"),
        )
        output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if output.returncode != 0:
            raise RuntimeError(output.stderr)
        total, peak_kb = map(int, output.stdout.split())
        peaks[events] = peak_kb / 1024
        assert total == events, (total, events)
    ratio = peaks[1_000_000] / peaks[100_000]
    row(
        "peak RSS, MiB: 1M events vs 100k events",
        f"{peaks[1_000_000]:,.0f}",
        f"{peaks[100_000]:,.0f}",
        f"{ratio:.1%}",
    )


# --- shards --------------------------------------------------------------------------------

SHARD_COURSES = (60, 250)  # the load scenario at these sizes: about 115k and 477k events
SHARD_RUNS = 3  # runs of each, alternating one process and two (both see the same load)
RSS_COURSES = 1000


# Runs the command and prints the peak RSS (KiB) of the largest process of its tree: wait4's
# rusage covers the waited-for children. Measured from this small process, because Linux carries
# ru_maxrss over from the parent across fork and exec (the bench process holds big buffers).
PEAK_RSS = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def _run_load(out: Path, courses: int, workers: int) -> tuple[float, int]:
    """`canvas-sim run` of the load scenario: wall seconds, and the peak RSS (KiB) of the
    largest process of its tree."""
    command = [sys.executable, "-m", "canvas_sim", "run", str(ROOT / "scenarios" / "load.yaml")]
    command += ["--set", f"courses={courses}", "--workers", str(workers), "--to", str(out), "-q"]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command], cwd=ROOT, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    code, peak = map(int, done.stdout.split())
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} exited {code}: {done.stderr}")
    return elapsed, peak


def shards(tmp: Path) -> None:
    """`--workers 2` against one process on the same scenario (one merged stream, the same
    bytes), best of a few alternating runs, and the peak RSS per process at 1,000 courses."""
    one, two = tmp / "one.jsonl", tmp / "two.jsonl"
    for courses in SHARD_COURSES:
        alone, shared = [], []
        for _ in range(SHARD_RUNS):
            alone.append(_run_load(one, courses, 1)[0])
            shared.append(_run_load(two, courses, 2)[0])
        assert one.read_bytes() == two.read_bytes(), "--workers 2 changed the stream"
        events = one.read_bytes().count(b"\n")
        row(
            f"--workers 2 vs 1, load {courses} courses ({events:,} events), events/s",
            f"{events / min(shared):,.0f}",
            f"{events / min(alone):,.0f}",
            f"{min(alone) / min(shared):.2f}x",
        )
        pairs = sorted(a / s for a, s in zip(alone, shared, strict=True))
        print(f"    each pair of runs: {', '.join(f'{p:.2f}x' for p in pairs)}", flush=True)
        one.unlink()
        two.unlink()
    _, rss_one = _run_load(one, RSS_COURSES, 1)
    one.unlink()
    _, rss_two = _run_load(two, RSS_COURSES, 2)
    two.unlink()
    row(
        f"peak RSS per process, MiB, load {RSS_COURSES:,} courses: --workers 2 vs 1",
        f"{rss_two / 1024:,.0f}",
        f"{rss_one / 1024:,.0f}",
        f"{rss_two / rss_one:.1%}",
    )


# --- startup -------------------------------------------------------------------------------


def _time(command: Sequence[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def startup(tmp: Path) -> None:
    empty = tmp / "empty.yaml"
    empty.write_text("start: 2024-09-02T08:00:00Z\ncourse: {students: 0}\n")
    python = best_of(5, lambda: _time([sys.executable, "-c", "pass"]))
    helped = best_of(5, lambda: _time([sys.executable, "-m", "canvas_sim", "--help"]))
    ran = best_of(5, lambda: _time([sys.executable, "-m", "canvas_sim", "run", str(empty), "-q"]))
    row("`canvas-sim --help`, s", f"{helped:.3f}", f"{python:.3f}", f"{helped / python:.1f}x")
    row("`canvas-sim run` empty scenario, s", f"{ran:.3f}", f"{python:.3f}", f"{ran / python:.1f}x")


SIGNED_EVENTS = 8000  # of the load scenario at 10 courses (several, for --workers 2)


def signing_section(tmp: Path) -> None:
    scenario, located = load_scenario(ROOT / "scenarios" / "load.yaml", {"courses": "10"})
    signing(tmp, _lines(scenario, located, SIGNED_EVENTS), row, (scenario, located))


def sqs_section(tmp: Path, count: int = 10_000) -> None:
    scenario, located = parse_scenario(large_course(students=1500, cycles=2), "large-course.yaml")
    sqs(tmp, [bytes(line) for line in _lines(scenario, located, count)], row)


# --- caliper -------------------------------------------------------------------------------


def caliper(tmp: Path, courses: int = 10) -> None:
    """A run writing both forms against the Canvas form alone; the Caliper conversion alone
    against parsing and re-serialising each line (what any conversion must at least do)."""
    scenario, located = load_scenario(ROOT / "scenarios" / "load.yaml", {"courses": str(courses)})
    canvas, envelopes = tmp / "canvas.jsonl", tmp / "caliper.jsonl"
    events = 0

    def canvas_only() -> float:
        nonlocal events
        started = time.perf_counter()
        events = run_scenario(scenario, located, [JsonlFileSink(canvas)]).total
        return time.perf_counter() - started

    def both_forms() -> float:
        started = time.perf_counter()
        sinks = [JsonlFileSink(canvas), CaliperSink(JsonlFileSink(envelopes), CaliperFormat())]
        run_scenario(scenario, located, sinks)  # type: ignore[arg-type]
        return time.perf_counter() - started

    alone, both = best_of(2, canvas_only), best_of(2, both_forms)
    row(
        f"caliper: run to both forms, load {courses} courses ({events:,} events), events/s",
        f"{events / both:,.0f}",
        f"{events / alone:,.0f}",
        f"{alone / both:.1%}",
    )
    lines = canvas.read_bytes().splitlines()

    def convert() -> float:
        renderer = CaliperRenderer()
        started = time.perf_counter()
        for line in lines:
            renderer.line(line)
        return time.perf_counter() - started

    def reserialise() -> float:
        started = time.perf_counter()
        for line in lines:
            orjson.dumps(orjson.loads(line))
        return time.perf_counter() - started

    converted, floor = best_of(3, convert), best_of(3, reserialise)
    row(
        "  the conversion alone (Canvas line -> envelope or skipped), lines/s",
        f"{len(lines) / converted:,.0f}",
        f"{len(lines) / floor:,.0f}",
        f"{floor / converted:.1%}",
    )


# --- locust --------------------------------------------------------------------------------


def locust_section(tmp: Path) -> None:
    """2 local Locust workers vs 1, against the receiver and against nginx answering 204
    (benchmarks/locust_scaling.py); and 1 worker vs a bare aiohttp loop."""
    scenario, located = load_scenario("load", {"courses": str(locust_scaling.COURSES)})
    bodies = _lines(scenario, located, 10**9)

    def bare(url: str) -> float:
        return asyncio.run(post_all(bodies, url, locust_scaling.USERS, "aiohttp"))

    locust_scaling.locust(tmp, bodies, row, start_receiver, bare)


SECTIONS = {
    "generation": generation,
    "delivery": delivery,
    "signing": signing_section,
    "sqs": sqs_section,
    "memory": memory,
    "shards": shards,
    "startup": startup,
    "caliper": caliper,
    "locust": locust_section,
}


def main(argv: list[str]) -> int:
    chosen = argv or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
        return 2
    try:
        import aiohttp  # noqa: F401  (the bare loops' client)
    except ImportError:
        print("the benchmarks need the bench extra: run `make bench`, or first")
        print("  .venv/bin/pip install -e '.[dev,bench]'")
        return 2
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"  {'figure':<66} {'measured':>12} {'baseline':>12} {'ratio':>8}")
    gc.set_threshold(*GC_THRESHOLDS)  # as `canvas-sim` runs (baselines included)
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            SECTIONS[name](Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
