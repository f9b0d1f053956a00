"""Distributed load tests on Locust: the shipped locustfile and its parts.

Only ``locustfile.py`` and the modules it imports load Locust (which monkey-patches the process
with gevent); importing this package does not, so ``canvas-sim locustfile`` stays cheap.
"""

from __future__ import annotations

from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")

__all__ = ["LOCUSTFILE"]
