"""The Locust user: takes a whole course of its worker's shard and sends its events in order.

Users are concurrency slots: the shard, not the user count, decides what is sent. One task run
sends one event over HTTP (so ``constant_throughput`` paces events), or one batch to SQS; a
user that stops hands its course back, first in line, so its order holds (an event cut off
mid-request is sent again).
"""

from __future__ import annotations

import gevent
from locust import User, task

from .queue import QueueSender
from .sender import EventSender
from .shard import CourseRun
from .worker import STATE

IDLE_S = 0.1  # how long a user without a course waits before it looks again


class CanvasEventsUser(User):
    """Sends a shard's Canvas Live Events to the URL given as Locust's host (``-H``), one per
    POST, with the retries, signing and dead letters of ``canvas-sim run``; statistics are
    named by event type."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._run: CourseRun | None = None
        self._sender: EventSender | QueueSender | None = None

    def wait_time(self) -> float:
        return STATE.pace(self)

    @task
    def send_next_event(self) -> None:
        pool = STATE.pool
        if pool is None or pool.done:
            gevent.sleep(IDLE_S)  # no plan yet, or nothing left
            return
        if self._run is None:
            self._run = pool.take()
            if self._run is None:
                gevent.sleep(IDLE_S)  # the last courses are with other users
                return
        run = self._run
        run.ready.join()
        if self._sender is None:
            self._sender = STATE.sender()
        events = run.events[run.position : run.position + self._sender.batch]
        if events:
            self._sender.deliver(events)
            run.position += len(events)
        if run.next_event() is None:
            self._run = None
            pool.complete(run)

    def on_stop(self) -> None:
        if self._run is not None and STATE.pool is not None:
            STATE.pool.give_back(self._run)
        self._run = None
        if self._sender is not None:
            STATE.release(self._sender)
            self._sender = None
