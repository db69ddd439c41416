"""Skills routing: agents' skills (KB categories) and the order of their queue."""

from __future__ import annotations

import pytest

from desk.users import UserStore
from handoff.summary import Summary
from tests.desk.conftest import PASSWORD


def about(svc, handoff, category: str) -> None:
    svc.queue.update(handoff.ticket, summary=Summary.from_dict({**handoff.summary.to_dict(), "category": category}))


def test_within_a_priority_the_agents_own_topics_come_first(svc, client_for, make_handoff):
    UserStore(svc.redis).create("pat", PASSWORD, "agent", "Pat", skills=("payments", "returns"))
    calm_general = make_handoff("c1")
    calm_payments = make_handoff("c2")
    about(svc, calm_payments, "payments / complaint")
    upset_delivery = make_handoff("c3", priority=2)
    about(svc, upset_delivery, "delivery / complaint")
    waiting = client_for("pat").get("/desk/api/queue").json()["waiting"]
    # The upset customer stays first; among the calm ones, Pat's topic comes before the older one.
    assert [w["ticket"] for w in waiting] == [upset_delivery.ticket, calm_payments.ticket, calm_general.ticket]
    assert [(w["category"], w["your_skill"]) for w in waiting] == [("delivery", False), ("payments", True), ("general", False)]
    others = client_for("alice").get("/desk/api/queue").json()["waiting"]  # no skills: plain order
    assert [w["ticket"] for w in others] == [upset_delivery.ticket, calm_general.ticket, calm_payments.ticket]


def test_skills_are_kept_tidy_and_checked(redis_client):
    store = UserStore(redis_client)
    store.create("pat", PASSWORD, "agent", skills=(" Payments", "returns", "payments", ""))
    assert store.get("pat").skills == ("payments", "returns")
    with pytest.raises(ValueError, match="skill"):
        store.create("pat", PASSWORD, "agent", skills=("<script>",))
