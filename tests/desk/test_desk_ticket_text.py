"""The ticket as plain text (to answer it by e-mail): same access as the conversation page."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_an_agent_gets_the_ticket_as_plain_text_linked_from_the_page(client_for, make_handoff):
    ticket = make_handoff("kim", as_ticket=True, text="my parcel <b>never</b> came", contact_details="07700 900123")
    alice = client_for("alice")
    page = alice.get(f"/desk/conversations/{ticket.ticket}").text
    assert f'href="/desk/conversations/{ticket.ticket}/ticket.txt"' in page
    response = alice.get(f"/desk/conversations/{ticket.ticket}/ticket.txt")
    assert response.status_code == 200 and response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["cache-control"] == "no-store" and response.headers["x-content-type-options"] == "nosniff"
    lines = response.text.splitlines()
    assert lines[0] == f"Ticket {ticket.ticket} (ticket, normal priority)" and "Contact details: 07700 900123" in lines
    assert "Customer: kim@example.com, first contact" in lines
    assert 'Issue: Customer asking: "my parcel <b>never</b> came"' in lines  # as stored, never rendered as markup


def test_only_those_who_may_see_the_conversation_get_its_text(app, client_for, make_handoff):
    legal = make_handoff("lee", audience="supervisors")
    assert client_for("alice").get(f"/desk/conversations/{legal.ticket}/ticket.txt").status_code == 404
    assert "Ticket " + legal.ticket in client_for("sue").get(f"/desk/conversations/{legal.ticket}/ticket.txt").text
    assert client_for("carl").get(f"/desk/conversations/{legal.ticket}/ticket.txt").status_code == 403  # content owner
    with TestClient(app, base_url="http://localhost") as anonymous:
        response = anonymous.get(f"/desk/conversations/{legal.ticket}/ticket.txt", follow_redirects=False)
        assert response.status_code in (303, 401) and "Ticket" not in response.text
