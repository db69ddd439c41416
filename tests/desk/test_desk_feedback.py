"""The ratings page: content owners see the bot's ratings, supervisors people's too; agents neither."""

from __future__ import annotations

from reports.ratings import FeedbackLog


def rate(svc) -> None:
    log = FeedbackLog(svc.redis)
    log.record("bot", "chat-1", 1, "<script>alert(1)</script> useless", questions=["Where is my parcel?"],
               entries=["delivery-times", "gone-entry"])
    log.record("bot", "chat-2", 5, "great")
    log.record("agent", "T000007", 4, "kind", ticket="T000007", agent="alice")
    log.record("agent", "T000008", 2, "slow", ticket="T000008", agent="bob")


def test_a_content_owner_sees_the_bots_ratings_lowest_first_as_text_but_not_peoples(client_for, svc):
    rate(svc)
    page = client_for("carl").get("/desk/feedback").text
    assert "<strong>3.0</strong> of 5 from 2 ratings" in page
    assert page.index("useless") < page.index("great")  # the low one first
    assert "&lt;script&gt;alert(1)&lt;/script&gt; useless" in page and "<script>alert(1)" not in page
    assert "Where is my parcel?" in page and "gone-entry (deleted)" in page
    assert "People" not in page and "T000007" not in page and "Waiting for a person" not in page


def test_a_supervisor_also_sees_peoples_ratings_by_agent_with_links_and_the_waits(client_for, svc, make_handoff):
    rate(svc)
    taken = make_handoff("cust-1", priority=2)
    svc.queue.claim(taken.ticket, "alice")
    make_handoff("cust-2", as_ticket=True)
    page = client_for("sue").get("/desk/feedback?days=7").text
    assert '<tr class="wait-high"><td>high</td><td>1 min 00 s</td><td>1</td><td>1</td>' in page
    assert "100% (1 of 1)" in page and "And 1 offline ticket (24-hour target)" in page
    assert "<strong>7 days</strong>" in page and "<strong>3.0</strong> of 5 from 2 ratings" in page
    assert page.index("<td>bob</td>") < page.index("<td>alice</td>")  # lowest average first
    assert 'href="/desk/conversations/T000008"' in page
    assert client_for("sue").get("/desk/feedback?days=nonsense").status_code == 200


def test_the_report_says_how_conversations_with_a_question_ended(client_for, svc):
    svc.contacts.touch("c1", topic="refund?")
    svc.contacts.set_outcome("c1", "resolved")
    svc.contacts.touch("c2", topic="parcel?")
    svc.contacts.set_outcome("c2", "handed_off", "T000001")
    page = client_for("carl").get("/desk/feedback").text
    assert "<strong>2</strong> conversations with a question" in page
    assert '<span class="label">50%</span><progress max="2" value="1">1</progress><span class="n">1 answered by the bot' in page


def test_agents_may_not_see_the_ratings_page(client_for):
    assert client_for("alice").get("/desk/feedback").status_code == 403
