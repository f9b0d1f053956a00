"""Canvas Live Events load test on Locust, course-sharded across workers.

Run it with ``locust -f $(canvas-sim locustfile) --scenario load -H http://host:port/events``
(see docs/locust.md): the master sends each worker a shard of the courses; each worker
simulates them with the run's seeds and sends their events, in each course's order.
"""

from __future__ import annotations

from locust import events

from canvas_sim.locust.coordinate import register
from canvas_sim.locust.options import add_arguments
from canvas_sim.locust.users import CanvasEventsUser

__all__ = ["CanvasEventsUser"]


@events.init_command_line_parser.add_listener
def _options(parser: object, **_: object) -> None:
    add_arguments(parser)


register(events)
