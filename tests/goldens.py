"""Golden files: compare produced bytes with a pinned file, line by line (UPDATE_GOLDEN=1
rewrites the file instead, to accept an intended change after reviewing its diff)."""

from __future__ import annotations

import os
from pathlib import Path


def assert_matches_golden(produced: bytes, golden: Path) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_bytes(produced)
    expected = golden.read_bytes()
    assert produced.count(b"\n") == expected.count(b"\n")
    for number, (got, want) in enumerate(
        zip(produced.splitlines(), expected.splitlines(), strict=True), start=1
    ):
        assert got == want, f"line {number} differs from {golden.name}"
