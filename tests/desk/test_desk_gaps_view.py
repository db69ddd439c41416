"""The content owner's list of questions the KB could not answer, through the desk's routes."""

from __future__ import annotations

import re

import numpy as np

from kb.entry import Entry
from kb.gaps import GapLog
from kb.store import KBStore

ATTACK = "<script>alert(1)</script> do you sell pianos?"


def vector(*values: float) -> np.ndarray:
    v = np.zeros(384, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def entry(entry_id: str, title: str) -> Entry:
    return Entry.from_dict({
        "id": entry_id, "title": title, "questions": ["a?", "b?", "c?"], "answer": "x", "category": "payments",
        "tags": [], "owner": "carl", "last_reviewed": "2026-01-01", "related": [],
    })


def test_a_content_owner_sees_grouped_gaps_as_text_and_marks_a_group_handled(client_for, svc):
    KBStore(svc.redis).save([entry("payment-methods", "Ways to pay")])
    log = GapLog(svc.redis)
    log.record("Can I pay with bitcoin?", "unanswered", [], "a", vector(1, 0.1))
    log.record("Do you take crypto?", "unanswered", [], "b", vector(1, 0.2))
    log.record(ATTACK, "rejected", ["payment-methods"], "c", vector(0, 1))
    owner = client_for("carl")
    assert "2 groups</span>" in owner.get("/desk/kb").text
    page = owner.get("/desk/kb/gaps").text
    assert page.index("Do you take crypto?") < page.index("do you sell pianos")  # 2 customers first
    assert "2 customers" in page and "Can I pay with bitcoin?" in page
    assert "Said no to: <span class=\"fact entry\">Ways to pay</span>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    ids = re.findall(r'name="ids" value="([^"]+)"', page)
    response = owner.post("/desk/kb/gaps/handled", data={"ids": ids[0], "csrf": owner.headers["X-CSRF-Token"]},
                          follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/desk/kb/gaps?done=2"
    page = owner.get(response.headers["location"]).text
    assert "2 question(s) marked handled" in page and "bitcoin" not in page and "do you sell pianos" in page
    assert [g.question for g in log.all()] == [ATTACK]


def test_marking_handled_takes_only_gap_ids(client_for, svc):
    GapLog(svc.redis).record("bitcoin?", "unanswered", [], "a", vector(1))
    owner = client_for("carl")
    for bad in ("", "kb:entries", "1-1,*", "1-1 OR 1"):
        response = owner.post("/desk/kb/gaps/handled", data={"ids": bad, "csrf": owner.headers["X-CSRF-Token"]})
        assert response.status_code == 400, bad
    assert len(GapLog(svc.redis).all()) == 1


def test_agents_neither_see_nor_clear_the_gaps(client_for, svc):
    GapLog(svc.redis).record("bitcoin?", "unanswered", [], "a", vector(1))
    [gap] = GapLog(svc.redis).all()
    agent = client_for("alice")
    assert agent.get("/desk/kb/gaps").status_code == 403
    assert agent.post("/desk/kb/gaps/handled", data={"ids": gap.id, "csrf": agent.headers["X-CSRF-Token"]}).status_code == 403
    assert len(GapLog(svc.redis).all()) == 1
    assert "bitcoin?" in client_for("ada").get("/desk/kb/gaps").text  # admins may


def test_an_empty_list_says_so(client_for):
    assert "Nothing yet" in client_for("carl").get("/desk/kb/gaps").text
