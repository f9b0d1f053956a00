"""Turn a Scenario into the initial World: ids, people drawn once (seeded Faker), gradebook."""

from __future__ import annotations

import random
import re
import unicodedata
from bisect import bisect
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from faker import Faker

from .accounts import RootAccounts
from .content import add_group
from .durations import datetime_to_ms
from .errors import SimulatorError
from .grading import DEFAULT_GRADING_SCHEME
from .randoms import canvas_uuid, hex_token
from .specs import PersonSpec
from .values import CountRange
from .world import (
    ACTIVITY_TABLES,
    GLOBAL_ID_BASE,
    ID_BLOCK,
    SOCIAL_TABLES,
    TABLES,
    Account,
    Course,
    CustomStatus,
    IdSequences,
    User,
    World,
)
from .yamlsource import Located

if TYPE_CHECKING:
    from .scenario import CourseBlock, Scenario

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
OTHER_ZONES = ("America/Chicago", "America/New_York", "America/Los_Angeles", "America/Phoenix")
TEXT_POOL_SIZE = 64
MAX_COURSES = GLOBAL_ID_BASE // ID_BLOCK  # the account's block and the courses' fill local ids


class WeightedNames:
    """Faker's weighted first and last names with the cumulative weights computed once.

    ``faker.first_name()`` goes through ``random.choices``, which sums the weights of every name
    on each call; this draws the same names (one ``random()`` each, the same bisection).
    """

    def __init__(self, faker: Faker) -> None:
        method: Any = faker.first_name
        provider = method.__self__  # the person provider
        self._generator = provider.generator
        self._first = self._table(provider.first_names)
        self._last = self._table(provider.last_names)

    @staticmethod
    def _table(names: dict[str, float]) -> tuple[tuple[str, ...], list[float], float]:
        cumulative = list(accumulate(names.values()))
        return tuple(names), cumulative, cumulative[-1] + 0.0

    def _draw(self, table: tuple[tuple[str, ...], list[float], float]) -> str:
        names, cumulative, total = table
        return names[bisect(cumulative, self._generator.random.random() * total, 0, len(names) - 1)]

    def first(self) -> str:
        return self._draw(self._first)

    def last(self) -> str:
        return self._draw(self._last)


class Draw:
    """The seeded sources of every random choice: one Random, one Faker instance."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        # Request ids and the milliseconds between events of one request come from a stream of
        # their own, so that adding an event type never reshuffles people, scores or times.
        self.wire_rng = random.Random(f"{seed}/wire")
        self.faker = Faker("en_US")
        self.faker.seed_instance(seed)
        self.names = WeightedNames(self.faker)
        self.sentences = [self.faker.sentence(nb_words=12) for _ in range(TEXT_POOL_SIZE)]
        self.paragraphs = [self.faker.paragraph(nb_sentences=4) for _ in range(TEXT_POOL_SIZE)]
        self.words = sorted(
            {word.strip(".,").lower() for text in self.paragraphs for word in text.split()}
        )

    def for_copy(self, ordinal: int) -> Draw:
        """The draw of the ``ordinal``-th course: own streams, shared text.

        Each course's people, scores and times come from streams of its own, so adding a course
        never changes what happens in the others, and a course can be simulated alone.
        """
        return self._derived(f"{self.seed}/course/{ordinal}", f"{self.seed}/wire/{ordinal}")

    def for_account(self) -> Draw:
        """The draw of account-level records (ids' starts, admin, developer key, server)."""
        return self._derived(f"{self.seed}/account", f"{self.seed}/wire/account")

    def _derived(self, stream: str, wire: str) -> Draw:
        copy = object.__new__(Draw)
        copy.seed = self.seed
        copy.rng = random.Random(stream)
        copy.wire_rng = random.Random(wire)
        # One Faker for all (they are slow to make), re-seeded for each stream's people.
        self.faker.seed_instance(stream)
        copy.faker, copy.sentences, copy.paragraphs = self.faker, self.sentences, self.paragraphs
        copy.names, copy.words = self.names, self.words
        return copy


@dataclass(slots=True)
class AccountRecords:
    """What every course of a run shares, drawn from the account's own stream."""

    account: Account
    starts: dict[str, int]  # each id table's first id in every owner's block
    admin: User
    developer_key_id: int
    server_ip: str  # the Canvas server's address (LTI calls come from it)
    statuses: dict[str, CustomStatus]  # the account's custom grade statuses, by name


@dataclass(slots=True)
class CourseCopy:
    """One course of the scenario as built: its world, its steps and its own random streams."""

    world: World
    draw: Draw
    start_ms: int  # the scenario's start plus this copy's stagger
    steps: list[Any]
    steps_path: tuple[str | int, ...]  # where the steps are in the file (for errors)
    path: tuple[str | int, ...]  # where the course definition is in the file
    block: CourseBlock  # the definition it is a copy of
    server_ip: str = ""  # the Canvas server's address (LTI calls come from it)
    ordinal: int = 0  # the course's place among the scenario's courses (orders the stream)


def build_accounts(
    scenario: Scenario, draw: Draw, accounts: RootAccounts, keys: list[str | None]
) -> dict[str | None, AccountRecords]:
    """Each root account and its records, from the account stream alone (declared accounts
    one after another; ``keys``: each course block's account)."""
    account_draw = draw.for_account()
    rng = account_draw.rng
    starts = {table: rng.randrange(100, 9000) * 10 for table in TABLES}
    # Course activity's tables start from a stream of their own: adding them moved no other id.
    activity = random.Random(f"{draw.seed}/activity-ids")
    starts.update({table: activity.randrange(100, 9000) * 10 for table in ACTIVITY_TABLES})
    social = random.Random(f"{draw.seed}/ids")  # later tables: the draws above stay as they were
    starts |= {table: social.randrange(100, 9000) * 10 for table in SOCIAL_TABLES}
    blocks = [block for _, block in scenario.blocks()]
    if sum(block.count for block in blocks) >= MAX_COURSES:
        raise SimulatorError(f"a scenario has at most {MAX_COURSES - 1:,} courses")
    ids = IdSequences(starts, 0)  # every account's records share block 0: ids never repeat
    root_uuid = canvas_uuid(rng)
    start = datetime_to_ms(scenario.start)
    server_ip: str | None = None
    found: dict[str | None, AccountRecords] = {}
    for key in accounts.specs:
        account = accounts.account(key, root_uuid)
        mine = [block for block, owner in zip(blocks, keys, strict=True) if owner == key]
        developer_key_id = ids.next("developer_keys")
        home = mine[0] if mine else blocks[0]
        admin = _person(account_draw, PersonSpec(key="admin"), "admin", ids, account, home, start)
        if server_ip is None:  # one Canvas server for the run
            server_ip = account_draw.faker.ipv4_public()
        statuses: dict[str, CustomStatus] = {}  # defined once per root account, as Canvas does
        for block in mine:
            for status in block.custom_statuses:
                if status not in statuses:
                    statuses[status] = CustomStatus(ids.next("custom_grade_statuses"), status)
        found[key] = AccountRecords(account, starts, admin, developer_key_id, server_ip, statuses)
    return found


def build_courses(scenario: Scenario, draw: Draw, located: Located) -> list[CourseCopy]:
    """Every course of the scenario, each ``count`` times, in its root account: people and
    gradebooks, each course from its own streams and with its own block of ids (the
    accounts' is block 0)."""
    accounts = RootAccounts(scenario, draw.seed, located)
    keys = [accounts.key_of(block, path) for path, block in scenario.blocks()]
    every = build_accounts(scenario, draw, accounts, keys)
    start = datetime_to_ms(scenario.start)
    copies: list[CourseCopy] = []
    taken: set[tuple[str, str]] = set()  # logins and SIS ids given in the scenario
    for path, block in scenario.blocks():
        steps_path, steps = scenario.steps_of(path, block)
        key = accounts.key_of(block, path)
        zone = accounts.time_zone(key, block)
        records = every[key]
        for number in range(1, block.count + 1):
            ordinal = len(copies)
            copy_draw = draw.for_copy(ordinal)
            ids = IdSequences(records.starts, ordinal + 1)
            offset = copy_draw.rng.randrange(block.stagger + 1) if block.stagger else 0
            course = _course(block, number, ids, copy_draw.rng, start + offset, records.statuses)
            course.time_zone = zone
            world = World(account=records.account, course=course, ids=ids)
            world.developer_key_id, world.admin = records.developer_key_id, records.admin
            _people(block, number, path, world, copy_draw, located, taken)
            _personas(block, path, world, copy_draw.rng, located)
            _gradebook(block, path, world, start + offset, copy_draw.rng, located)
            copies.append(
                CourseCopy(
                    world, copy_draw, start + offset, steps, steps_path, path, block,
                    records.server_ip, ordinal,
                )
            )  # fmt: skip
    return copies


def _course(
    block: CourseBlock,
    number: int,
    ids: IdSequences,
    rng: random.Random,
    start: int,
    statuses: dict[str, CustomStatus],
) -> Course:
    course_id = ids.next("courses")
    scheme = DEFAULT_GRADING_SCHEME
    if block.grading_scheme:
        scheme = tuple(
            sorted(
                ((name, Decimal(str(bound))) for name, bound in block.grading_scheme.items()),
                key=lambda entry: -entry[1],
            )
        )

    def numbered(text: str) -> str:
        return text.replace("${i}", str(number))

    name = numbered(block.name)
    course = Course(
        id=course_id,
        uuid=canvas_uuid(rng),
        name=name,
        code=numbered(block.code)
        if block.code
        else _course_code(name) + (f"-{number}" if block.count > 1 else ""),
        sis_source_id=None if block.sis_id is None else numbered(block.sis_id),
        time_zone=block.time_zone,
        weighted=block.weighted,
        grading_scheme=scheme,
        default_section_id=ids.next("course_sections"),
        created_at=start,
    )
    for status in block.custom_statuses:
        course.custom_statuses[status] = statuses[status]
    return course


def _people(
    block: CourseBlock,
    number: int,
    path: tuple[str | int, ...],
    world: World,
    draw: Draw,
    located: Located,
    taken: set[tuple[str, str]],
) -> None:
    """The course's people; ``taken`` holds the account's given logins and SIS ids so far."""
    roles = (("teachers", "teacher"), ("tas", "ta"), ("students", "student"))
    for field_name, role in roles:
        people = getattr(block, field_name)
        if isinstance(people, CountRange):
            people = draw.rng.randint(*people.uniform)
        specs = (
            [PersonSpec(key=f"{role}{n}") for n in range(1, people + 1)]
            if isinstance(people, int)
            else people
        )
        for index, person in enumerate(specs):
            here = (*path, field_name, index)
            if person.key in world.users or person.key == "admin":
                raise located.error(f"person key {person.key!r} is used twice", here)
            person = _numbered_person(person, number)
            for kind in ("login", "sis_id"):
                given = getattr(person, kind)
                if given is None:
                    continue
                if (kind, given) in taken:
                    hint = " (every copy repeats it: put ${i} in it)" if block.count > 1 else ""
                    raise located.error(f"{kind} {given!r} is used twice{hint}", (*here, kind))
                taken.add((kind, given))
            world.users[person.key] = _person(
                draw, person, role, world.ids, world.account, world.course, world.course.created_at
            )
            world.roles[person.key] = role


def _numbered_person(person: PersonSpec, number: int) -> PersonSpec:
    """A listed person as copy ``number`` has them (``${i}`` in name, login, SIS id)."""
    changes = {
        name: value.replace("${i}", str(number))
        for name in ("name", "login", "sis_id")
        if isinstance(value := getattr(person, name), str) and "${i}" in value
    }
    return person.model_copy(update=changes) if changes else person


def _personas(
    block: CourseBlock,
    path: tuple[str | int, ...],
    world: World,
    rng: random.Random,
    located: Located,
) -> None:
    """Hand each persona its share of the students (seeded); the rest have none."""
    personas = block.personas
    if not personas:
        return
    if sum(p.share for p in personas) > 1 + 1e-9:
        raise located.error("persona shares add up to more than 1", (*path, "personas"))
    names = [p.name for p in personas]
    if len(set(names)) != len(names):
        raise located.error("persona names must be unique", (*path, "personas"))
    students = [key for key, role in world.roles.items() if role == "student"]
    rng.shuffle(students)
    position = 0
    for persona in personas:
        count = round(persona.share * len(students))
        for key in students[position : position + count]:
            world.personas[key] = persona
        position += count


def _gradebook(
    block: CourseBlock,
    path: tuple[str | int, ...],
    world: World,
    start: int,
    rng: random.Random,
    located: Located,
) -> None:
    for index, gspec in enumerate(block.groups):
        add_group(world, gspec, start, start, rng, located, (*path, "groups", index))


def _person(
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
        client_ip=draw.faker.ipv4_public(),
        session_id=hex_token(rng, 32),
        created_at=created_at,
    )


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower()) or "user"


def _mail_domain(account: Account) -> str:
    host = account.domain.split(".")
    return ".".join(host[-2:]) if len(host) >= 2 else account.domain


def _course_code(name: str) -> str:
    words = [
        w for w in re.findall(r"[A-Za-z]+", name) if w.lower() not in {"to", "of", "and", "the"}
    ]
    return ("".join(w[0] for w in words[:4]).upper() or "COURSE") + "-101"
