"""A person as the build draws them: name, login, SIS id, time zone, device, session."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .draw import Draw
from .randoms import canvas_uuid, hex_token
from .specs import PersonSpec
from .world import Account, Course, IdSequences, User

if TYPE_CHECKING:
    from .scenario import CourseBlock

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
    "CanvasStudent/7.12.0 (iPhone; iOS 17.4.1; Scale/3.00)",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36",
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
OTHER_ZONES = ("America/Chicago", "America/New_York", "America/Los_Angeles", "America/Phoenix")


def draw_person(
    draw: Draw,
    spec: PersonSpec,
    role: str,
    ids: IdSequences,
    account: Account,
    home: Course | CourseBlock,
    created_at: int,
) -> User:
    """A person drawn from ``draw``; ``home`` gives the default time zone."""
    rng = draw.rng
    first, last = draw.names.first(), draw.names.last()
    name = spec.name or f"{first} {last}"
    parts = name.split()
    sortable = f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name
    user_id = ids.next("users")
    login = (
        spec.login
        or f"{_ascii(parts[0])}.{_ascii(parts[-1])}{user_id % 1000}@{_mail_domain(account)}"
    )
    if spec.sis_id is not None:
        sis_id: str | None = spec.sis_id
    elif role == "student":
        sis_id = f"S{rng.randrange(10**7):07d}"
    elif role == "admin":
        sis_id = None
    else:
        sis_id = f"T{rng.randrange(10**5):05d}"
    zone_name = spec.time_zone or (
        rng.choice(OTHER_ZONES) if role == "student" and rng.random() < 0.1 else home.time_zone
    )
    zone = ZoneInfo(zone_name)  # validated with the scenario
    return User(
        id=user_id,
        key=spec.key,
        name=name,
        sortable_name=sortable,
        login=login,
        sis_id=sis_id,
        time_zone=zone_name,
        zone=zone,
        uuid=canvas_uuid(rng),
        lti_user_id=hex_token(rng, 40),
        user_agent=USER_AGENTS[0] if role == "admin" else rng.choice(USER_AGENTS),
        client_ip=draw.addresses.ipv4_public(),
        session_id=hex_token(rng, 32),
        created_at=created_at,
    )


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub("", folded.lower()) or "user"


def _mail_domain(account: Account) -> str:
    host = account.domain.split(".")
    return ".".join(host[-2:]) if len(host) >= 2 else account.domain
