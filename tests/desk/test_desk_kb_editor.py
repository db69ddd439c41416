"""The knowledge-base editor through the desk's routes, on a real Redis and the real embedding model."""

from __future__ import annotations

import html

from kb.entry import Entry
from kb.store import KBStore, fingerprint

RETURNS = Entry(
    id="returns", title="Returning an item", category="returns", tags=("returns",), owner="care",
    last_reviewed="2026-01-01", questions=("How do I send an item back?", "Can I return my order?", "Returns policy"),
    answer="Print the label from your account.", related=(),
)


def form(client, **fields: str) -> dict[str, str]:
    base = {"id": "crypto", "title": "Paying with cryptocurrency", "category": "payments", "tags": "payment, crypto",
            "owner": "payments-team", "last_reviewed": "2026-11-25", "link": "",
            "questions": "Can I pay with bitcoin?\nDo you accept crypto?\nCryptocurrency payments",
            "answer": "We don't take cryptocurrency; cards and PayPal work.", "related": "", "base": "",
            "csrf": client.headers["X-CSRF-Token"]}
    return {**base, **fields}


def test_a_content_owner_creates_an_entry_and_it_is_in_the_store_at_once(client_for, svc):
    store = KBStore(svc.redis)
    store.save([RETURNS])
    before = store.version()
    owner = client_for("carl")
    response = owner.post("/desk/kb/entries/new", data=form(owner, related="returns"), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/desk/kb/entries/crypto?saved=1"
    saved = store.get("crypto")
    assert saved.questions == ("Can I pay with bitcoin?", "Do you accept crypto?", "Cryptocurrency payments")
    assert saved.tags == ("payment", "crypto") and saved.related == ("returns",) and store.version() > before
    page = owner.get(response.headers["location"]).text
    assert "Saved: the bot answers with it now." in page
    listing = owner.get("/desk/kb").text
    assert "Paying with cryptocurrency" in listing and "Returning an item" in listing


def test_every_problem_is_listed_and_everything_typed_comes_back(client_for, svc):
    KBStore(svc.redis).save([RETURNS])
    owner = client_for("carl")
    typed = form(owner, id="Bad Id!", questions="How do I send an item back?\n<b>two</b>", related="nope",
                 answer="x" * 20_001)
    response = owner.post("/desk/kb/entries/new", data=typed)
    assert response.status_code == 400
    page = response.text
    for problem in ("'answer' is too long", "id must be lowercase", "needs at least 3 question variants"):
        assert problem in html.unescape(page), problem
    assert "&lt;b&gt;two&lt;/b&gt;" in page and "<b>two</b>" not in page
    assert 'value="Bad Id!"' in page
    typed = form(owner, questions="How do I send an item back?\nQ two\nQ three", related="nope")
    page = html.unescape(owner.post("/desk/kb/entries/new", data=typed).text)
    assert "question variant 'How do I send an item back?' is also used by entry 'returns'" in page
    assert "related id 'nope' does not exist" in page
    assert KBStore(svc.redis).get("bad-id") is None and KBStore(svc.redis).count() == 1


def test_an_edit_made_meanwhile_is_never_overwritten(client_for, svc):
    store = KBStore(svc.redis)
    store.save([RETURNS])
    owner = client_for("carl")
    page = owner.get("/desk/kb/entries/returns").text
    assert f'name="base" value="{fingerprint(RETURNS)}"' in page
    store.save([Entry(**{**RETURNS.__dict__, "answer": "Someone else's answer."})])
    mine = form(owner, id="returns", title=RETURNS.title, questions="\n".join(RETURNS.questions),
                answer="My answer.", base=fingerprint(RETURNS))
    response = owner.post("/desk/kb/entries/returns", data=mine)
    assert response.status_code == 409 and "Someone changed this entry" in response.text and "My answer." in response.text
    assert store.get("returns").answer == "Someone else's answer."
    mine["base"] = fingerprint(store.get("returns"))
    assert owner.post("/desk/kb/entries/returns", data=mine, follow_redirects=False).status_code == 303
    assert store.get("returns").answer == "My answer." and store.get("returns").last_reviewed == "2026-11-25"


def test_a_new_entry_cannot_take_an_existing_id(client_for, svc):
    KBStore(svc.redis).save([RETURNS])
    owner = client_for("carl")
    response = owner.post("/desk/kb/entries/new", data=form(owner, id="returns", questions="A?\nB?\nC?"))
    assert response.status_code == 409 and "already exists" in response.text
    assert KBStore(svc.redis).get("returns") == RETURNS


def test_overlapping_entries_are_warned_about(client_for, svc):
    KBStore(svc.redis).save([RETURNS])
    owner = client_for("carl")
    owner.post("/desk/kb/entries/new", data=form(owner, id="send-back", title="Sending things back",
               questions="How can I send an item back?\nWhat is the returns address?\nDo I need the box?",
               answer="Send it to 1 Mill Lane."))
    page = html.unescape(owner.get("/desk/kb/entries/send-back").text)
    assert "This entry overlaps with others" in page and "Returning an item" in page
    assert " ".join(page.split()).count("this entry’s “How can I send an item back?” / its “How do I send an item back?”") == 1
    assert "Entries that overlap" in owner.get("/desk/kb").text
    assert owner.get("/desk/kb/entries/crypto").status_code == 404  # not written yet
    assert owner.post("/desk/kb/entries/new", data=form(owner), follow_redirects=False).status_code == 303
    crypto = owner.get("/desk/kb/entries/crypto").text
    assert "Paying with cryptocurrency" in crypto and "This entry overlaps" not in crypto


def test_deleting_needs_a_confirmation_and_no_entry_relating_to_it(client_for, svc):
    store = KBStore(svc.redis)
    store.save([RETURNS])
    owner = client_for("carl")
    owner.post("/desk/kb/entries/new", data=form(owner, related="returns"))
    token = owner.headers["X-CSRF-Token"]
    base = fingerprint(RETURNS)
    response = owner.post("/desk/kb/entries/returns/delete", data={"csrf": token, "base": base, "confirm": "yes"})
    assert response.status_code == 409 and "Paying with cryptocurrency" in response.text
    crypto = fingerprint(store.get("crypto"))
    assert owner.post("/desk/kb/entries/crypto/delete", data={"csrf": token, "base": crypto}).status_code == 400
    response = owner.post("/desk/kb/entries/crypto/delete", data={"csrf": token, "base": crypto, "confirm": "yes"},
                          follow_redirects=False)
    assert response.status_code == 303 and store.get("crypto") is None
    assert "Deleted “Paying with cryptocurrency”" in owner.get(response.headers["location"]).text


def test_a_group_of_unanswered_questions_becomes_a_draft_entry(client_for):
    page = client_for("carl").get("/desk/kb/entries/new?question=Can+I+pay+with+bitcoin%3F&question=%3Cb%3Ecrypto%3C%2Fb%3E").text
    assert "Can I pay with bitcoin?\n&lt;b&gt;crypto&lt;/b&gt;</textarea>" in page


def test_agents_can_neither_read_nor_change_the_kb(client_for, svc):
    KBStore(svc.redis).save([RETURNS])
    agent = client_for("alice")
    assert agent.get("/desk/kb").status_code == 403
    assert agent.get("/desk/kb/entries/returns").status_code == 403
    assert agent.post("/desk/kb/entries/new", data=form(agent)).status_code == 403
    assert agent.post("/desk/kb/entries/returns/delete", data={"csrf": agent.headers["X-CSRF-Token"], "confirm": "yes",
                                                               "base": fingerprint(RETURNS)}).status_code == 403
    assert KBStore(svc.redis).count() == 1


def test_an_earlier_version_and_a_deleted_entry_can_be_brought_back(client_for, svc):
    store = KBStore(svc.redis)
    store.save([RETURNS])
    owner = client_for("carl")
    edited = form(owner, id="returns", title=RETURNS.title, questions="\n".join(RETURNS.questions),
                  answer="A worse answer.", base=fingerprint(RETURNS))
    owner.post("/desk/kb/entries/returns", data=edited)
    page = html.unescape(owner.get("/desk/kb/entries/returns").text)
    assert "Earlier versions" in page and "before an edit by carl" in " ".join(page.split())
    loaded = owner.get("/desk/kb/entries/returns?version=0").text
    assert "Check it and save to bring it back" in loaded and RETURNS.answer in loaded
    assert f'name="base" value="{fingerprint(store.get("returns"))}"' in loaded  # against the current one
    edited.update(answer=RETURNS.answer, base=fingerprint(store.get("returns")))
    owner.post("/desk/kb/entries/returns", data=edited)
    assert store.get("returns").answer == RETURNS.answer

    owner.post("/desk/kb/entries/returns/delete", data={"csrf": owner.headers["X-CSRF-Token"], "confirm": "yes",
                                                        "base": fingerprint(store.get("returns"))})
    assert store.get("returns") is None
    listing = owner.get("/desk/kb").text
    assert "Recently deleted" in listing and 'href="/desk/kb/entries/new?restore=returns"' in listing
    draft = owner.get("/desk/kb/entries/new?restore=returns").text
    assert RETURNS.answer in draft and 'value="returns"' in draft
    restored = form(owner, id="returns", title=RETURNS.title, questions="\n".join(RETURNS.questions), answer=RETURNS.answer)
    assert owner.post("/desk/kb/entries/new", data=restored, follow_redirects=False).status_code == 303
    assert store.get("returns").answer == RETURNS.answer and "Recently deleted" not in owner.get("/desk/kb").text
