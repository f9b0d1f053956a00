"""Where the shipped templates and scenarios are: in the installed package, or the source tree."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """``templates`` or ``scenarios``: packaged copy in a wheel, top-level folder in a checkout."""
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name
