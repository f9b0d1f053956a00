"""Signing ahead of delivery: RS256 tokens are made where events are produced (the generating
child, each shard process, or a worker thread), so the event loop only sends them.

A token travels with its event (``Rendered.token``, issued at ``Rendered.signed_at``); the
sender signs again only an event without one (a Caliper envelope, a line a fault rewrote) or
one signed too long before it is sent. A shard process writes ``<iat> <token> <line>`` in place
of the line (``stamper``), and the merge takes the token off again (``unstamped``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from .delivery import Rendered

if TYPE_CHECKING:
    from .signing import Signer


def signed(events: Iterable[Rendered], signer: Signer) -> Iterator[Rendered]:
    """``events``, each with its token (made now unless it has one)."""
    token = signer.token
    for event in events:
        if event.token is None:
            jwt, issued = token(event.line)
            event = event._replace(token=jwt, signed_at=issued)
        yield event


def stamper(signer: Signer) -> Callable[[bytes], bytes]:
    """A shard's hook: a rendered line -> ``<iat> <token> <line>`` (the line unchanged)."""
    token = signer.token

    def stamp(line: bytes) -> bytes:
        jwt, issued = token(line)
        return b"%d %b %b" % (issued, jwt, line)

    return stamp


def unstamped(events: Iterable[Rendered]) -> Iterator[Rendered]:
    """Stamped lines (``stamper``) back to events with their line and their token."""
    for name, time_ms, stamped, _, _, step in events:
        issued, jwt, line = stamped.split(b" ", 2)
        yield Rendered(name, time_ms, line, jwt, int(issued), step)
