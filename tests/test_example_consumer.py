"""The example consumer routes the activity types of the term scenario: every entry's topic and
every message's conversation arrived, memberships end where the stream leaves them."""

from __future__ import annotations

import httpx
from example_consumer import ScoreKeeper

from canvas_sim.pytest_plugin import Simulator


def test_the_example_consumer_routes_the_term_scenario() -> None:
    sim = Simulator().run("term", seed=7, params={"students": 6})
    consumer = ScoreKeeper()
    client = httpx.Client(transport=httpx.WSGITransport(app=consumer), base_url="http://app/events")
    assert {r.status_code for r in sim.post_to(client)} == {200}
    assert consumer.scores and consumer.topics and consumer.entries and consumer.messages
    for topic, parent in consumer.entries.values():
        assert topic in consumer.topics
        assert parent is None or consumer.entries[parent][0] == topic
    assert all(count >= 1 for count in consumer.messages.values())
    joined = [e for e in sim.events if e["metadata"]["event_name"] == "group_membership_created"]
    assert consumer.members and len(consumer.members) <= len(joined)
    assert consumer.other["rubric_assessed"] >= 1  # counted, not routed
