"""Benchmark section for the Locust load test's scale-out (imported by bench.py).

locust  the shipped locustfile with 2 local workers (--processes 2) vs 1, 32 users, one event
        per POST, against two consumers in processes of their own: the simulator's receiver
        (which parses every event and shares the 2 cores with Locust) and nginx answering 204
        without reading the events (the cheapest consumer at hand: what Locust's scale-out
        gives when the consumer costs little); the CPU each process used while events were
        sent (master, workers, consumer); and 1 worker vs a bare aiohttp loop.

nginx is not a dependency: without it (``apt-get install nginx-light``) its rows are skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import psutil

Row = Callable[[str, str, str, str], None]
COURSES = 40  # of the load scenario: about 82,000 events
USERS = 32
SAMPLE_S = 0.25  # (each sample reads /proc for the process tree: keep it rare)
NGINX_CONF = """
daemon off; master_process off; worker_processes 1; pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    keepalive_requests 1000000;
    server {{ listen 127.0.0.1:{port}; location / {{ return 204; }} }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_nginx(tmp: Path) -> tuple[subprocess.Popen[bytes], str] | None:
    """nginx answering 204 to every request, one process; None when nginx is not installed."""
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary is None:
        return None
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port))
    process = subprocess.Popen([binary, "-p", str(tmp), "-c", str(conf), "-e", "stderr"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}/events"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("nginx did not start")


@dataclass
class CpuWatch:
    """Samples the CPU seconds of a Locust process tree and of a consumer process."""

    locust: int
    consumer: int
    samples: list[tuple[float, dict[int, tuple[str, float]]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        root, consumer = psutil.Process(self.locust), psutil.Process(self.consumer)
        while not self._stop.is_set():
            seen: dict[int, tuple[str, float]] = {}
            try:
                children = root.children(recursive=True)
            except psutil.Error:
                break
            for role, process in [("consumer", consumer), ("master", root)] + [
                ("worker", child) for child in children
            ]:
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                seen[process.pid] = (role, times.user + times.system)
            machine = psutil.cpu_times()
            busy = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
            seen[0] = ("machine", busy)
            self.samples.append((time.time(), seen))
            time.sleep(SAMPLE_S)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def shares(self, began: float, ended: float) -> dict[str, float]:
        """% of one core each process used between ``began`` and ``ended`` (epoch seconds)."""
        inside = [sample for sample in self.samples if began <= sample[0] <= ended]
        if len(inside) < 2:
            return {}
        (t0, first), (t1, last) = inside[0], inside[-1]
        shares: dict[str, float] = {}
        workers = 0
        for pid, (role, cpu) in sorted(last.items(), key=lambda item: item[1][0]):
            if pid not in first:
                continue
            if role == "worker":
                workers += 1
                role = f"worker {workers}"
            shares[role] = 100 * (cpu - first[pid][1]) / (t1 - t0)
        if "worker 1" not in shares and "master" in shares:
            shares["locust"] = shares.pop("master")  # one process: it sends
        machine = shares.pop("machine", None)
        if machine is not None:  # every other process on the machine (other benchmarks)
            shares["others"] = max(0.0, machine - sum(shares.values()))
        return shares


@dataclass
class LocustRun:
    rate: float  # events/s from the first request to the last
    steady: float  # the median of the whole seconds between (no start, no tail)
    delivered: int
    shares: dict[str, float]

    def per_event(self, *roles: str) -> float:
        """CPU microseconds per event of the processes whose role starts with ``roles``."""
        used = sum(share for role, share in self.shares.items() if role.startswith(roles))
        return used / 100 / self.rate * 1e6

    def bound(self) -> float:
        """Events/s this run's CPU per event allows on 2 cores nobody else uses: Locust and
        the consumer share 200%, and each Locust process (master aside) has one core."""
        senders = sum(1 for role in self.shares if role.startswith(("locust", "worker")))
        ours = self.per_event("locust", "worker", "master", "consumer")
        return min(2e6 / ours, senders * 1e6 / self.per_event("locust", "worker"))

    def cpu(self) -> str:
        """Each process's share of a core; CPU per event; the bound on 2 free cores."""
        parts = [f"{role} {share:.0f}%" for role, share in self.shares.items()]
        return (
            ", ".join(parts)
            + f"; us CPU per event: Locust {self.per_event('locust', 'worker', 'master'):.0f}, "
            + f"consumer {self.per_event('consumer'):.0f}; at most {self.bound():,.0f} events/s "
            + "on 2 free cores"
        )


def locust_run(url: str, tmp: Path, processes: int, consumer: int) -> LocustRun:
    """The shipped locustfile against ``url`` (32 users): events/s from Locust's first to its
    last request, the events its ledger says were delivered (all, checked), CPU shares."""
    from canvas_sim.locust import LOCUSTFILE

    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", USERS]
    command += ["-r", "100", "-t", "300s", "--only-summary", "--loglevel", "WARNING", "-H", url]
    command += ["--scenario", "load", "--set", f"courses={COURSES}"]
    command += ["--json-file", str(tmp / "locust"), "--ledger-json", str(tmp / "ledger.json")]
    if processes > 1:
        port = free_port()
        command += ["--processes", processes, "--master-bind-host", "127.0.0.1"]
        command += ["--master-bind-port", port, "--master-port", port]
    process = subprocess.Popen(
        list(map(str, command)), cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    watch = CpuWatch(process.pid, consumer)
    _, err = process.communicate()
    watch.stop()
    assert process.returncode == 0, err.decode()[-2000:]
    entries = orjson.loads((tmp / "locust.json").read_bytes())
    began = min(entry["start_time"] for entry in entries)
    ended = max(entry["last_request_timestamp"] for entry in entries)
    ledger = orjson.loads((tmp / "ledger.json").read_bytes())
    assert ledger["complete"], "the Locust run did not deliver every event"
    rate = sum(entry["num_requests"] for entry in entries) / (ended - began)
    seconds: Counter[int] = Counter()
    for entry in entries:
        for second, count in entry["num_reqs_per_sec"].items():
            seconds[int(second)] += count
    inside = [seconds[second] for second in sorted(seconds)[1:-1]] or [int(rate)]
    steady = float(statistics.median(inside))
    return LocustRun(rate, steady, int(ledger["events_delivered"]), watch.shares(began, ended))


def scaling(url: str, tmp: Path, consumer: int, rounds: int) -> tuple[LocustRun, LocustRun]:
    """The best of ``rounds`` runs with one process and with two, alternated; every rate
    printed (the machine is shared: the spread is part of the figure)."""
    one: list[LocustRun] = []
    two: list[LocustRun] = []
    for _ in range(rounds):
        one.append(locust_run(url, tmp, 1, consumer))
        two.append(locust_run(url, tmp, 2, consumer))
    for label, runs in (("1 process  ", one), ("2 processes", two)):
        rates = ", ".join(f"{run.rate:,.0f}" for run in runs)
        steady = ", ".join(f"{run.steady:,.0f}" for run in runs)
        print(f"    {label}: {rates} events/s (steady seconds: {steady})")
        for run in runs:
            print(f"      CPU: {run.cpu()}")
    best_one, best_two = max(one, key=rate_of), max(two, key=rate_of)
    steady_one, steady_two = max(r.steady for r in one), max(r.steady for r in two)
    bound_one = statistics.median(run.bound() for run in one)
    bound_two = statistics.median(run.bound() for run in two)
    print(
        f"    2 vs 1: best {best_two.rate / best_one.rate:.2f}x, steady seconds "
        f"{steady_two / steady_one:.2f}x, pairs {', '.join(pairs(one, two))}; "
        f"on 2 free cores (from the median CPU per event) {bound_two / bound_one:.2f}x"
    )
    return best_one, best_two


def pairs(one: list[LocustRun], two: list[LocustRun]) -> list[str]:
    """The ratio of each round's two runs (run one after the other)."""
    return [f"{b.rate / a.rate:.2f}x" for a, b in zip(one, two, strict=True)]


def rate_of(run: LocustRun) -> float:
    return run.rate


def locust(
    tmp: Path,
    bodies: list[bytes],
    row: Row,
    start_receiver: Callable[[], tuple[subprocess.Popen[str], str]],
    bare: Callable[[str], float],
    rounds: int = 3,
) -> None:
    """Rows: 1 worker vs a bare loop; 2 vs 1 against the receiver; 2 vs 1 against nginx."""
    print(f"  machine load before: {os.getloadavg()[0]:.2f} (1 min)")
    receiver, url = start_receiver()
    try:
        print(f"  Locust against the receiver ({USERS} users, load {COURSES} courses):")
        one, two = scaling(url, tmp, receiver.pid, rounds)
        bare_rate = len(bodies) / min(bare(url) for _ in range(rounds))
    finally:
        receiver.terminate()
        receiver.wait()
    assert two.delivered == one.delivered == len(bodies)
    row(
        f"Locust 1 process, {USERS} users vs a bare aiohttp loop ({USERS} at once), events/s",
        f"{one.rate:,.0f}",
        f"{bare_rate:,.0f}",
        f"{one.rate / bare_rate:.2f}x",
    )
    row(
        f"Locust --processes 2 vs 1, load {COURSES} courses ({one.delivered:,} events), "
        "the receiver on the same 2 cores, events/s",
        f"{two.rate:,.0f}",
        f"{one.rate:,.0f}",
        f"{two.rate / one.rate:.2f}x",
    )
    started = start_nginx(tmp)
    if started is None:
        print("  (nginx not installed: the cheap-consumer rows are skipped)")
        return
    nginx, url = started
    try:
        print("  Locust against nginx answering 204 (reads nothing):")
        one, two = scaling(url, tmp, nginx.pid, rounds)
    finally:
        nginx.terminate()
        nginx.wait()
    row(
        "Locust --processes 2 vs 1, same events, nginx 204 as the consumer, events/s",
        f"{two.rate:,.0f}",
        f"{one.rate:,.0f}",
        f"{two.rate / one.rate:.2f}x",
    )
    print(f"  machine load after: {os.getloadavg()[0]:.2f} (1 min)")
