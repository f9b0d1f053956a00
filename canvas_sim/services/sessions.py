"""Each person's browser session: signing in (logged_in, a new session id, the device's user
agent and address), staying signed in while active, signing out (logged_out).

Requests read the person's current session from the user record, so every request-driven event
of a session (browsing, submissions, grading) carries its session id, user agent and address.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..kernel import Clock
from ..randoms import hex_token
from ..world import User
from .requests import Requests

PHONE_AGENTS = (
    "CanvasStudent/7.12.0 (iPhone; iOS 17.4.1; Scale/3.00)",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
)

MOBILE_NETS = (24, 67, 98, 107, 172, 174, 184)  # first octets of the phones' addresses


@dataclass(slots=True)
class Device:
    user_agent: str
    client_ip: str


@dataclass(slots=True)
class Session:
    last_seen: int
    timeout: int
    phone_share: float
    open: bool = True


class Sessions:
    """Who is signed in, on which device, until when."""

    def __init__(self, requests: Requests, clock: Clock, rng: random.Random) -> None:
        self._requests = requests
        self._clock = clock
        self._rng = rng  # the course's activity stream
        self._sessions: dict[int, Session] = {}
        self._devices: dict[int, tuple[Device, Device]] = {}  # person -> (computer, phone)

    def live(self, user: User, timeout_ms: int) -> bool:
        """Signed in, and active within ``timeout_ms`` (Canvas's idle timeout)."""
        session = self._sessions.get(user.id)
        now = self._clock.now
        return session is not None and session.open and now - session.last_seen <= timeout_ms

    def browses(self, user: User) -> bool:
        """Whether the person has used the site through ``browse`` (signed in at least once)."""
        return user.id in self._sessions

    def resume(self, user: User) -> None:
        """Before a browser request of someone who has browsed: signed in again if their
        session has ended or expired (people who never browse keep their one session)."""
        session = self._sessions.get(user.id)
        if session is not None and not self.live(user, session.timeout):
            self.sign_in(user, session.timeout, session.phone_share)
        elif session is not None:
            session.last_seen = self._clock.now

    def sign_in(
        self, user: User, timeout_ms: int, phone_share: float, redirect_url: str | None = None
    ) -> None:
        """A new session on the person's computer or phone: logged_in."""
        computer, phone = self._devices_of(user)
        device = phone if self._rng.random() < phone_share else computer
        user.session_id = hex_token(self._rng, 32)
        user.user_agent, user.client_ip = device.user_agent, device.client_ip
        self._sessions[user.id] = Session(self._clock.now, timeout_ms, phone_share)
        host = self._requests.url("")
        request = self._requests.sign_in_out(user, "POST", "/login/canvas", f"{host}/login/canvas")
        self._clock.emit("logged_in", request, {"redirect_url": redirect_url})

    def sign_out(self, user: User, referrer: str | None) -> None:
        """logged_out (sent before the session ends: it still carries the person)."""
        session = self._sessions.get(user.id)
        if session is None or not session.open:
            return
        request = self._requests.sign_in_out(user, "DELETE", "/logout", referrer)
        self._clock.emit("logged_out", request, {})
        session.open = False

    def _devices_of(self, user: User) -> tuple[Device, Device]:
        """The person's computer (the agent and address they were created with) and phone."""
        found = self._devices.get(user.id)
        if found is None:
            rng = self._rng
            octets = (rng.choice(MOBILE_NETS), rng.randrange(256), rng.randrange(256))
            address = ".".join(map(str, (*octets, rng.randrange(1, 255))))
            phone = Device(rng.choice(PHONE_AGENTS), address)
            found = self._devices[user.id] = (Device(user.user_agent, user.client_ip), phone)
        return found
