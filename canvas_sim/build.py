"""Turn a Scenario into the initial World: ids, people drawn once (seeded Faker), gradebook."""

from __future__ import annotations

import random
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .accounts import RootAccounts
from .content import add_group
from .draw import Draw
from .durations import datetime_to_ms
from .errors import SimulatorError
from .grading import DEFAULT_GRADING_SCHEME
from .persons import draw_person
from .randoms import canvas_uuid
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

MAX_COURSES = GLOBAL_ID_BASE // ID_BLOCK  # the account's block and the courses' fill local ids
ROLES = (("teachers", "teacher"), ("tas", "ta"), ("students", "student"))
GIVEN = ("login", "sis_id")  # what a listed person may give, once in the account


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
        admin_spec = PersonSpec(key="admin")
        admin = draw_person(account_draw, admin_spec, "admin", ids, account, home, start)
        if server_ip is None:  # one Canvas server for the run
            server_ip = account_draw.addresses.ipv4_public()
        statuses: dict[str, CustomStatus] = {}  # defined once per root account, as Canvas does
        for block in mine:
            for status in block.custom_statuses:
                if status not in statuses:
                    statuses[status] = CustomStatus(ids.next("custom_grade_statuses"), status)
        found[key] = AccountRecords(account, starts, admin, developer_key_id, server_ip, statuses)
    return found


@dataclass(slots=True)
class CourseSlot:
    """One course of the scenario before it is built: its definition, copy number and account,
    the logins and SIS ids its listed people give, and its people's count (estimated for a
    drawn range: its middle)."""

    ordinal: int
    number: int  # the copy's number in its block (``${i}``)
    path: tuple[str | int, ...]
    block: CourseBlock
    steps: list[Any]
    steps_path: tuple[str | int, ...]
    records: AccountRecords
    time_zone: str
    given: frozenset[tuple[str, str]]
    people: int


def lay_out(scenario: Scenario, draw: Draw, located: Located) -> list[CourseSlot]:
    """Every course of the scenario, each ``count`` times, in its root account, with the
    account records built (from the account stream) and no course's people drawn yet."""
    accounts = RootAccounts(scenario, draw.seed, located)
    keys = [accounts.key_of(block, path) for path, block in scenario.blocks()]
    every = build_accounts(scenario, draw, accounts, keys)
    slots: list[CourseSlot] = []
    for (path, block), key in zip(scenario.blocks(), keys, strict=True):
        steps_path, steps = scenario.steps_of(path, block)
        zone = accounts.time_zone(key, block)
        people = sum(_headcount(getattr(block, name)) for name, _ in ROLES)
        for number in range(1, block.count + 1):
            slots.append(
                CourseSlot(
                    len(slots), number, path, block, steps, steps_path, every[key], zone,
                    _given(block, number), people,
                )
            )  # fmt: skip
    return slots


def build_courses(
    scenario: Scenario,
    slots: list[CourseSlot],
    draw: Draw,
    located: Located,
    only: Collection[int] | None = None,
) -> Iterator[CourseCopy]:
    """The courses of ``slots`` (those in ``only``, if given), one by one: people and
    gradebooks, each course from its own streams and with its own block of ids (the accounts'
    is block 0). A course is the same whichever others are built beside it."""
    start = datetime_to_ms(scenario.start)
    taken: set[tuple[str, str]] = set()  # logins and SIS ids given in the scenario
    for slot in slots:
        if only is not None and slot.ordinal not in only:
            taken |= slot.given  # as if built: the courses after it check against them
            continue
        block, path = slot.block, slot.path
        copy_draw, world, course_start = _begin(slot, draw, start)
        _people(block, slot.number, path, world, copy_draw, located, taken)
        _personas(block, path, world, copy_draw.rng, located)
        _gradebook(block, path, world, course_start, copy_draw.rng, located)
        yield CourseCopy(
            world, copy_draw, course_start, slot.steps, slot.steps_path, path, block,
            slot.records.server_ip, slot.ordinal,
        )  # fmt: skip


def headcount(scenario: Scenario, slot: CourseSlot, draw: Draw, located: Located) -> int:
    """How many people ``slot``'s course has: exact, from its course drawn only as far as its
    last drawn count (the people before it: a few teachers and TAs); its estimate when the
    course has no drawn count, or when drawing fails (the build says why)."""
    ranged = [name for name, _ in ROLES if isinstance(getattr(slot.block, name), CountRange)]
    if not ranged:
        return slot.people
    copy_draw, world, _ = _begin(slot, draw, datetime_to_ms(scenario.start))
    try:
        return _people(
            slot.block, slot.number, slot.path, world, copy_draw, located, set(), ranged[-1]
        )
    except SimulatorError:
        return slot.people


def _begin(slot: CourseSlot, draw: Draw, start: int) -> tuple[Draw, World, int]:
    """A course's own draw, its world with no one in it yet, and its start (its stagger's)."""
    block, records = slot.block, slot.records
    copy_draw = draw.for_copy(slot.ordinal)
    ids = IdSequences(records.starts, slot.ordinal + 1)
    offset = copy_draw.rng.randrange(block.stagger + 1) if block.stagger else 0
    course = _course(block, slot.number, ids, copy_draw.rng, start + offset, records.statuses)
    course.time_zone = slot.time_zone
    world = World(account=records.account, course=course, ids=ids)
    world.developer_key_id, world.admin = records.developer_key_id, records.admin
    return copy_draw, world, start + offset


def _headcount(people: int | CountRange | list[PersonSpec]) -> int:
    """A role's people in a course (a drawn range: its middle)."""
    if isinstance(people, CountRange):
        return sum(people.uniform) // 2
    return people if isinstance(people, int) else len(people)


def _given(block: CourseBlock, number: int) -> frozenset[tuple[str, str]]:
    """The logins and SIS ids copy ``number`` of ``block`` gives its listed people."""
    found: set[tuple[str, str]] = set()
    for name, _ in ROLES:
        people = getattr(block, name)
        if isinstance(people, (int, CountRange)):
            continue
        for person in people:
            person = _numbereddraw_person(person, number)
            found.update((kind, v) for kind in GIVEN if (v := getattr(person, kind)) is not None)
    return frozenset(found)


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
    until: str | None = None,
) -> int:
    """The course's people (how many); ``taken`` holds the account's given logins and SIS ids
    so far. With ``until`` (a role's field after which no count is drawn), only as far as its
    count: how many people the course will have, the rest not drawn."""
    total = 0
    for position, (field_name, role) in enumerate(ROLES):
        people = getattr(block, field_name)
        if isinstance(people, CountRange):
            people = draw.rng.randint(*people.uniform)
        total += people if isinstance(people, int) else len(people)
        if field_name == until:
            later = ROLES[position + 1 :]
            return total + sum(_headcount(getattr(block, name)) for name, _ in later)
        specs = (
            [PersonSpec(key=f"{role}{n}") for n in range(1, people + 1)]
            if isinstance(people, int)
            else people
        )
        for index, person in enumerate(specs):
            here = (*path, field_name, index)
            if person.key in world.users or person.key == "admin":
                raise located.error(f"person key {person.key!r} is used twice", here)
            person = _numbereddraw_person(person, number)
            for kind in GIVEN:
                given = getattr(person, kind)
                if given is None:
                    continue
                if (kind, given) in taken:
                    hint = " (every copy repeats it: put ${i} in it)" if block.count > 1 else ""
                    raise located.error(f"{kind} {given!r} is used twice{hint}", (*here, kind))
                taken.add((kind, given))
            world.users[person.key] = draw_person(
                draw, person, role, world.ids, world.account, world.course, world.course.created_at
            )
            world.roles[person.key] = role
    return total


def _numbereddraw_person(person: PersonSpec, number: int) -> PersonSpec:
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


def _course_code(name: str) -> str:
    words = [
        w for w in re.findall(r"[A-Za-z]+", name) if w.lower() not in {"to", "of", "and", "the"}
    ]
    return ("".join(w[0] for w in words[:4]).upper() or "COURSE") + "-101"
