"""The publish gate, golden questions and "try a question" through the desk's routes (real Redis, real model)."""

from __future__ import annotations

import dataclasses
import html
import re

import numpy as np
from tests.small_kb import SMALL_KB, config, encoder, small_index  # noqa: F401  (shared fixtures)

from kb.fits import FitStore
from kb.gaps import GapLog
from kb.golden import GoldenStore
from kb.history import published
from kb.store import KBStore, fingerprint
from reports.ratings import FeedbackLog

CANCEL, REFUND = SMALL_KB[1], SMALL_KB[2]
GOLDEN = "I'd like to call off my order"  # cancel-order answers it; a choice once refund-status has it too


def edit(client, entry, **fields: str) -> dict[str, str]:
    """The editor's form for `entry` as posted, with `fields` changed."""
    data = {**entry.to_dict(), "tags": ", ".join(entry.tags), "questions": "\n".join(entry.questions),
            "related": ", ".join(entry.related), "base": fingerprint(entry), "csrf": client.headers["X-CSRF-Token"]}
    return {**data, **fields}


def test_agents_cannot_save_golden_questions_try_drafts_or_confirm_a_publish(client_for, svc):
    store = KBStore(svc.redis)
    store.save(SMALL_KB)
    agent = client_for("alice")
    token = agent.headers["X-CSRF-Token"]
    refused = agent.post("/desk/kb/golden", data={"csrf": token, "question": GOLDEN, "entry": CANCEL.id})
    assert refused.status_code == 403
    assert agent.post("/desk/kb/golden/remove", data={"csrf": token, "question": GOLDEN}).status_code == 403
    confirm = edit(agent, REFUND, questions="\n".join(REFUND.questions + (GOLDEN,)), confirm="anything")
    assert agent.post(f"/desk/kb/entries/{REFUND.id}", data=confirm).status_code == 403
    tried = agent.post("/desk/api/kb/try", json={"question": GOLDEN, **edit(agent, REFUND)})
    assert tried.status_code == 403 and tried.json() == {"error": "Your role doesn't give you access to this."}
    assert GoldenStore(svc.redis).all() == [] and store.get(REFUND.id) == REFUND and published(svc.redis) == []


def test_an_owner_sees_what_an_edit_would_change_goes_back_then_confirms(client_for, svc, encoder, config,  # noqa: F811
                                                                         small_index):  # noqa: F811
    FitStore(svc.redis, encoder, config).store(small_index.fit)
    store = KBStore(svc.redis)
    store.save(SMALL_KB)
    owner = client_for("carl")
    response = owner.post("/desk/kb/golden", data={"csrf": owner.headers["X-CSRF-Token"], "question": GOLDEN,
                                                   "entry": CANCEL.id, "next": "https://elsewhere.example/"},
                          follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/desk/kb"
    assert GOLDEN in html.unescape(owner.get(f"/desk/kb/entries/{CANCEL.id}").text)

    version = store.version()
    stealing = edit(owner, REFUND, questions="\n".join(REFUND.questions + ("I changed my mind about my purchase", GOLDEN)))
    tried = owner.post(f"/desk/api/kb/entries/{REFUND.id}/try", json={**stealing, "question": GOLDEN}).json()
    assert tried["live"]["decision"] == "answer" and tried["live"]["hits"][0]["id"] == CANCEL.id
    assert tried["draft"]["decision"] == "clarify" and REFUND.title in tried["draft"]["says"]
    gated = owner.post(f"/desk/kb/entries/{REFUND.id}", data=stealing)
    page = " ".join(html.unescape(gated.text).split())
    assert gated.status_code == 409 and "Not saved yet" in page
    assert f'“{GOLDEN}” <span class="badge">golden</span></td> <td>{CANCEL.title}</td> <td>{CANCEL.title}</td>' in page
    assert store.version() == version and store.get(REFUND.id) == REFUND

    token = re.search(r'name="confirm" value="([0-9a-f]+)"', gated.text).group(1)
    assert owner.post(f"/desk/kb/entries/{REFUND.id}", data={**stealing, "confirm": "stale"}).status_code == 409
    done = owner.post(f"/desk/kb/entries/{REFUND.id}", data={**stealing, "confirm": token}, follow_redirects=False)
    assert done.status_code == 303 and GOLDEN in store.get(REFUND.id).questions
    [record] = published(svc.redis)
    assert (record.version, record.ids, record.by) == (store.version(), [REFUND.id], "carl")
    assert record.changes[0]["question"] == GOLDEN and record.changes[0]["after"]["kind"] == "clarify"
    assert "Published with changed answers" in owner.get(f"/desk/kb/entries/{REFUND.id}").text


def test_a_golden_question_is_saved_from_a_gap_group_and_from_a_rated_conversation(client_for, svc):
    KBStore(svc.redis).save(SMALL_KB)
    GapLog(svc.redis).record("Can I pay with bitcoin?", "unanswered", [], "cust-a", np.ones(384, np.float32) / 384**0.5)
    FeedbackLog(svc.redis).record("bot", "chat-1", 1, "no", questions=["Has my refund gone through?"],
                                  entries=[REFUND.id])
    owner = client_for("carl")
    gaps = owner.get("/desk/kb/gaps").text
    assert 'value="Can I pay with bitcoin?"' in gaps and '<option value="payment-methods">' in gaps
    saved = owner.post("/desk/kb/golden", follow_redirects=False, data={
        "csrf": owner.headers["X-CSRF-Token"], "question": "Can I pay with bitcoin?", "entry": "payment-methods",
        "next": "/desk/kb/gaps"})
    assert saved.headers["location"] == "/desk/kb/gaps"
    feedback = owner.get("/desk/feedback").text
    assert 'name="question" value="Has my refund gone through?"' in feedback
    assert f'name="entry" list="entry-ids" value="{REFUND.id}"' in feedback  # the entry shown, ready to keep
    owner.post("/desk/kb/golden", data={"csrf": owner.headers["X-CSRF-Token"], "question": "Has my refund gone through?",
                                        "entry": REFUND.id, "next": "/desk/feedback"})
    assert [(g.question, g.entry) for g in GoldenStore(svc.redis).all()] == [
        ("Can I pay with bitcoin?", "payment-methods"), ("Has my refund gone through?", REFUND.id)]
    assert owner.post("/desk/kb/golden", data={"csrf": owner.headers["X-CSRF-Token"], "question": "Hi",
                                               "entry": "no-such-entry"}).status_code == 400
