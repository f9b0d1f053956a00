"""The receiver's page in a real browser: Debian's chromium driven by Playwright.

The demo scenario is delivered (signed) to a real ``canvas-sim receive`` in two parts, and the
test checks what a person sees: feed rows in plain words, the gradebook cell of the late regrade
going old -> new, the expected end state matched, and a bad signature in the problems panel.
Skipped only outside CI when chromium is missing; under CI=true a missing browser fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = ROOT / "out" / "dashboard-demo.png"


def cli(*args: object) -> list[str]:
    return [sys.executable, "-m", "canvas_sim", *map(str, args)]


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            args=ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1200},
        )
        yield context
        context.close()


def split_at_regrade(lines: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """The demo's events before the late regrade's request, and from it on."""
    events = [orjson.loads(line) for line in lines]
    regrade = max(
        i
        for i, e in enumerate(events)
        if e["metadata"]["event_name"] == "grade_change"
        and e["body"]["old_score"] not in (None, e["body"]["score"])
    )
    request = events[regrade]["metadata"]["request_id"]
    first = next(i for i, e in enumerate(events) if e["metadata"].get("request_id") == request)
    return lines[:first], lines[first:]


def deliver(path: Path, url: str, key: Path) -> None:
    sent = subprocess.run(
        cli("replay", path, "--to", url, "--sign-key", key, "-q"), capture_output=True, text=True
    )
    assert sent.returncode == 0, sent.stderr


def test_the_demo_on_the_page(browser_context: object, tmp_path: Path) -> None:
    from playwright.sync_api import BrowserContext, expect

    assert isinstance(browser_context, BrowserContext)
    expect.set_options(timeout=15_000)  # a busy machine: what a person sees may take a while
    keys, events, state = tmp_path / "keys", tmp_path / "demo.jsonl", tmp_path / "state.json"
    made = subprocess.run(cli("keys", "--out", keys), capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    ran = subprocess.run(
        cli("run", DEMO, "--to", events, "--state-out", state, "-q"), capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    before, after = split_at_regrade(events.read_bytes().splitlines())
    (tmp_path / "before.jsonl").write_bytes(b"\n".join(before) + b"\n")
    (tmp_path / "after.jsonl").write_bytes(b"\n".join(after) + b"\n")
    server = subprocess.Popen(
        cli("receive", "--port", 0, "--jwks", keys / "jwks.json", "--expect", state, "-q"),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stderr is not None
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", server.stderr.readline())
        assert match
        base = f"http://127.0.0.1:{match.group(1)}"
        page = browser_context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(base + "/")
        expect(page.locator("#status")).to_have_text("live")

        deliver(tmp_path / "before.jsonl", base + "/events", keys / "current.pem")
        expect(page.locator("#events")).to_have_text(str(len(before)))
        feed = page.locator("#feed .row summary")
        expect(feed.filter(has_text="Marcus Chen handed in Essay 1: Memory")).to_have_count(2)
        graded = feed.filter(has_text="Maria Rivera graded Essay 1: Memory for Angela Bennett")
        expect(graded).to_have_count(1)
        cell = page.locator("#gradebook tr", has_text="Marcus Chen").locator("td").nth(1)
        grade = cell.inner_text()
        assert re.fullmatch(r"\d+(\.5)?", grade), grade
        expect(page.locator("#expect")).to_contain_text("differences from the expected end state")

        deliver(tmp_path / "after.jsonl", base + "/events", keys / "current.pem")
        expect(page.locator("#events")).to_have_text(str(len(before) + len(after)))
        # The late regrade, in words and in its cell: old -> new while it is highlighted.
        regrade = f"Maria Rivera graded Essay 1: Memory for Marcus Chen: 9.5/10, was {grade}/10"
        expect(feed.filter(has_text=regrade)).to_have_count(1)
        expect(cell).to_have_class(re.compile("changed"))
        expect(cell.locator(".old")).to_have_text(grade)
        expect(cell.locator(".new")).to_have_text("9.5")
        expect(page.locator("#expect")).to_have_text(
            "The gradebook matches the expected end state."
        )
        jamal = page.locator("#gradebook tr", has_text="Jamal Wright").locator("td").nth(1)
        expect(jamal).to_contain_text("Extension granted")

        # Filters and the raw JSON behind a row.
        page.select_option("#filter-type", "grade_override")
        expect(feed).to_have_count(1)
        expect(feed.first).to_contain_text("Maria Rivera overrode Tom Okafor's course score: 90%")
        page.select_option("#filter-type", "")
        page.fill("#filter-person", "jamal")
        expect(feed.filter(has_text="marked Jamal Wright's Essay 1: Memory")).to_have_count(1)
        page.fill("#filter-person", "")
        feed.first.click()
        expect(page.locator("#feed .row pre").first).to_contain_text('"event_name"')

        # A forged signature lands in the problems panel with its reason.
        forged = b"eyJhbGciOiJSUzI1NiIsImtpZCI6Im5vbmUifQ.eyJib2R5Ijp7fX0.c2lnbmF0dXJl"
        answer = httpx.post(base + "/events", content=forged)
        assert answer.status_code == 401
        problem = page.locator("#problems .problem summary").first
        expect(problem).to_contain_text("signature")
        expect(problem).to_contain_text("bad signature")
        expect(page.locator("#problem-counts")).to_contain_text("signature: 1")

        page.locator("#feed .row summary").first.click()  # fold the row again for the picture
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        assert not errors, errors
    finally:
        server.terminate()
        server.communicate(timeout=20)
