"""What the agent is shown of who the customer is: verified or not, and possible earlier contacts."""

from __future__ import annotations

from customers.contacts import ContactHistory, identities
from handoff.summary import Summary

CLAIMED = {"name": "Sam", "email": "sam@example.com", "verified": False, "chat_emails": ["sam@example.com"]}


def summary(verified: bool, possible: int) -> Summary:
    return Summary.from_dict({"who": {"name": "Sam", "email": "sam@example.com", "customer_id": "", "earlier_contacts": 0,
                    "verified": verified, "possible_contacts": possible},
            "issue": "Customer asking: “hello”", "category": "general / enquiry", "facts": {"emails": ["sam@example.com"]},
            "tried": [], "reasons": [], "trend": [], "suggested": [], "earlier": [], "text": "hello"})


def test_unverified_details_and_possible_earlier_contacts_are_marked_as_such(svc, client_for, make_handoff):
    history = ContactHistory(svc.redis)
    history.touch("sam-earlier", identities({"email": "sam@example.com", "verified": True}), topic="my lamp refund")
    handoff = make_handoff("visitor", customer=CLAIMED, summary=summary(False, 1))
    history.touch("visitor", identities(CLAIMED), topic="hello")
    alice = client_for("alice")
    page = alice.get(f"/desk/conversations/{handoff.ticket}").text
    assert "given by the website, not verified" in page and "possibly 1 more, not verified" in page
    assert "given in chat, not verified" in page
    possible = page[page.index("Possibly the same customer"):]
    assert "my lamp refund" in possible and "None in the last 90 days" in page  # not among the verified ones
    [card] = [c for c in alice.get("/desk/api/queue").json()["waiting"] if c["ticket"] == handoff.ticket]
    assert card["unverified"] is True


def test_a_signed_customer_is_shown_without_a_warning(svc, client_for, make_handoff):
    signed = {"name": "Sam", "email": "sam@example.com", "verified": True}
    handoff = make_handoff("sam", customer=signed, summary=summary(True, 0))
    alice = client_for("alice")
    page = alice.get(f"/desk/conversations/{handoff.ticket}").text
    assert "given by the website, not verified" not in page and "Possibly the same customer" not in page
    [card] = [c for c in alice.get("/desk/api/queue").json()["waiting"] if c["ticket"] == handoff.ticket]
    assert card["unverified"] is False
