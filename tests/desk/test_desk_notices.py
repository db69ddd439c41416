"""Posting, changing and ending service notices through the desk's routes, and who may."""

from __future__ import annotations

import re

from kb.entry import Entry
from notices.board import NoticeBoard
from kb.store import KBStore

SCRIPT = "<script>alert(1)</script> Deliveries are late"


def kb_with(svc, *categories: str) -> None:
    KBStore(svc.redis).save([Entry.from_dict({
        "id": f"{c}-entry", "title": c, "questions": ["a?", "b?", "c?"], "answer": "x", "category": c,
        "tags": [], "owner": "carl", "last_reviewed": "2026-01-01", "related": []}) for c in categories])


def post(client, url: str, **fields):
    return client.post(url, data={**fields, "csrf": client.headers["X-CSRF-Token"]}, follow_redirects=False)


def test_a_supervisor_posts_a_notice_shown_as_text_and_agents_see_it_on_their_queue(client_for, svc):
    kb_with(svc, "delivery", "payments")
    sue = client_for("sue")
    form = sue.get("/desk/notices").text
    assert 'value="delivery"' in form and 'value="payments"' in form
    response = post(sue, "/desk/notices", text=SCRIPT, categories="delivery", hours="48")
    assert response.status_code == 303 and response.headers["location"] == "/desk/notices?done=posted"
    page = sue.get(response.headers["location"]).text
    assert "Posted: customers are told" in page and "about delivery" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    [notice] = NoticeBoard(svc.redis).active()
    assert notice.categories == ("delivery",) and notice.author == "sue" and 47.9 * 3600 < notice.ends - notice.starts <= 48 * 3600
    queue = client_for("alice").get("/desk").text
    assert "Customers are being told" in queue and "&lt;script&gt;alert(1)&lt;/script&gt; Deliveries are late" in queue


def test_a_bad_notice_is_refused_with_every_problem_and_what_was_typed_kept(client_for, svc):
    kb_with(svc, "delivery")
    carl = client_for("carl")
    response = post(carl, "/desk/notices", text="Storms\x00 up north", categories=["delivery", "gone"], hours="soon")
    assert response.status_code == 400
    assert "Say how many hours" in response.text and "no KB category “gone”" in response.text
    assert "Storms  up north</textarea>" in response.text and 'value="delivery" checked' in response.text
    assert NoticeBoard(svc.redis).all() == []


def test_a_notice_is_changed_and_ended(client_for, svc):
    kb_with(svc, "delivery")
    notice = NoticeBoard(svc.redis).post("Deliveries are late.", ["delivery"], 2, "sue")
    ada = client_for("ada")
    form = ada.get(f"/desk/notices/{notice.id}").text
    assert "Deliveries are late.</textarea>" in form
    assert re.search(r'name="hours" value="(1\.9|2)"', form)
    response = post(ada, f"/desk/notices/{notice.id}", text="Deliveries are very late.", hours="24")
    assert response.headers["location"] == "/desk/notices?done=changed"
    changed = NoticeBoard(svc.redis).get(notice.id)
    assert changed.text == "Deliveries are very late." and changed.categories == () and changed.updated_by == "ada"
    response = post(ada, f"/desk/notices/{notice.id}/end")
    assert response.headers["location"] == "/desk/notices?done=ended"
    assert NoticeBoard(svc.redis).active() == []
    assert "Post it again" in ada.get("/desk/notices").text
    assert post(ada, "/desk/notices/N404/end").status_code == 404


def test_agents_may_not_post_notices(client_for):
    alice = client_for("alice")
    assert alice.get("/desk/notices").status_code == 403
    assert post(alice, "/desk/notices", text="Hi", hours="1").status_code == 403
    assert "/desk/notices" not in alice.get("/desk").text.split("<main>")[0]
