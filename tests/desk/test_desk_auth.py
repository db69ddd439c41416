"""Login, roles and CSRF, through the app's routes."""

from __future__ import annotations

import os
import stat

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from desk.auth import session_secret
from handoff.presence import online_agents
from protocol.metrics import METRICS_PATH
from tests.desk.conftest import PASSWORD

PUBLIC = {"/health", "/", "/demo", "/desk/login", "/widget/vendor/socket.io.min.js"}
PUBLIC_MOUNTS = {"/widget", "/desk/static"}
PARAMS = {"ticket": "T000001", "action": "note", "entry_id": "refund-timing", "notice_id": "N1", "name": "alice"}


def desk_routes(app) -> list[tuple[str, str]]:
    """(method, concrete path) of every route that is not public."""
    found = []
    for route in app.routes:
        if isinstance(route, Mount):
            assert route.path in PUBLIC_MOUNTS, f"unexpected mount {route.path}"
            continue
        assert isinstance(route, Route)
        if route.path in PUBLIC:
            continue
        path = route.path.format(**PARAMS)
        found += [(method, path) for method in sorted(route.methods - {"HEAD"})]
    return found


def test_every_desk_page_and_api_needs_a_login(app, make_handoff):
    make_handoff()
    client = TestClient(app, base_url="http://localhost")
    routes = desk_routes(app)
    assert ("GET", "/desk") in routes and ("POST", "/desk/api/conversations/T000001/note") in routes
    for method, path in routes:
        response = client.request(method, path, follow_redirects=False)
        if "/api/" in path or path.endswith("/events") or path == METRICS_PATH:  # the metrics want a bearer token
            assert response.status_code == 401, (method, path)
        else:
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/desk/login"), (method, path)


def test_public_routes_stay_open(app):
    client = TestClient(app, base_url="http://localhost")
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/desk/login").status_code == 200
    assert client.get("/desk/static/desk.js").status_code == 200


def test_a_failed_login_says_the_same_for_unknown_users_and_wrong_passwords(app):
    client = TestClient(app, base_url="http://localhost")
    page = client.get("/desk/login").text
    token = page.split('name="csrf" value="')[1].split('"')[0]
    wrong = client.post("/desk/login", data={"name": "alice", "password": "nope", "csrf": token})
    unknown = client.post("/desk/login", data={"name": "mallory", "password": "nope", "csrf": token})
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password." in wrong.text and "Wrong user name or password." in unknown.text
    assert "desk_session" not in client.cookies or client.get("/desk", follow_redirects=False).status_code == 303


def test_login_without_the_csrf_token_is_refused(app):
    client = TestClient(app, base_url="http://localhost")
    client.get("/desk/login")
    response = client.post("/desk/login", data={"name": "alice", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/desk", follow_redirects=False).status_code == 303  # still logged out


def test_every_post_without_the_csrf_token_is_refused(app, client_for, make_handoff, svc):
    make_handoff()
    client = client_for("ada")  # admin: every route is allowed, so only CSRF can refuse
    del client.headers["X-CSRF-Token"]
    posts = [path for method, path in desk_routes(app) if method == "POST"]
    assert "/desk/logout" in posts and "/desk/api/heartbeat" in posts
    for path in posts:
        assert client.post(path, json={"text": "hi"}, follow_redirects=False).status_code == 403, path
        assert client.post(path, json={"text": "hi"}, headers={"X-CSRF-Token": "forged"},
                           follow_redirects=False).status_code == 403, path
    assert svc.queue.transcript("T000001")[-1].who == "customer"  # the note was not added


def test_agents_see_neither_the_supervisor_queue_nor_the_user_list(client_for, make_handoff):
    legal = make_handoff("legal-1", audience="supervisors", priority=3)
    normal = make_handoff("calm-1")
    agent = client_for("alice")
    waiting = [item["ticket"] for item in agent.get("/desk/api/queue").json()["waiting"]]
    assert waiting == [normal.ticket]
    assert agent.get(f"/desk/conversations/{legal.ticket}").status_code == 404
    assert agent.post(f"/desk/api/conversations/{legal.ticket}/claim").status_code == 404
    assert agent.get("/desk/users").status_code == 403
    assert "others" not in agent.get("/desk/api/queue").json()
    supervisor = client_for("sue")
    data = supervisor.get("/desk/api/queue").json()
    assert [item["ticket"] for item in data["waiting"]] == [legal.ticket, normal.ticket]
    assert "others" in data and "summary_ratings" in data
    assert supervisor.get("/desk/users").status_code == 403
    admin = client_for("ada")
    assert "Sue" in admin.get("/desk/users").text


def test_a_content_owner_gets_no_queue(client_for, make_handoff):
    make_handoff()
    owner = client_for("carl")
    assert owner.get("/desk", follow_redirects=False).headers["location"] == "/desk/kb"
    assert "could not answer" in owner.get("/desk/kb").text
    assert owner.get("/desk/api/queue").status_code == 403
    assert owner.get("/desk/conversations/T000001").status_code == 403
    assert owner.post("/desk/api/heartbeat").status_code == 403


def test_an_agent_sees_only_their_own_conversations(client_for, make_handoff, svc):
    mine, theirs = make_handoff("c1"), make_handoff("c2")
    svc.queue.claim(mine.ticket, "alice")
    svc.queue.claim(theirs.ticket, "bob")
    alice = client_for("alice")
    assert [item["ticket"] for item in alice.get("/desk/api/queue").json()["mine"]] == [mine.ticket]
    assert alice.get(f"/desk/conversations/{mine.ticket}").status_code == 200
    assert alice.get(f"/desk/conversations/{theirs.ticket}").status_code == 404
    assert alice.post(f"/desk/api/conversations/{theirs.ticket}/note", json={"text": "x"}).status_code == 404
    assert client_for("sue").get(f"/desk/conversations/{theirs.ticket}").status_code == 200


def test_heartbeat_and_logout_set_presence(client_for, svc):
    alice = client_for("alice")
    assert alice.post("/desk/api/heartbeat").json() == {"ok": True}
    assert online_agents(svc.redis) == ["alice"]
    response = alice.post("/desk/logout", follow_redirects=False)
    assert response.headers["location"] == "/desk/login"
    assert online_agents(svc.redis) == []
    assert alice.get("/desk", follow_redirects=False).status_code == 303


def test_the_session_secret_is_generated_once_and_private(settings):
    first = session_secret(settings)
    assert session_secret(settings) == first and len(first) >= 40
    mode = stat.S_IMODE(os.stat(settings.data_dir / "desk_secret").st_mode)
    assert mode == 0o600


def test_the_session_cookie_is_strict_and_http_only(app):
    client = TestClient(app, base_url="http://localhost")
    cookie = client.get("/desk/login").headers["set-cookie"].lower()
    assert "samesite=strict" in cookie and "httponly" in cookie


@pytest.mark.parametrize("target", ["//evil.example/desk", "https://evil.example", "/elsewhere"])
def test_login_never_redirects_off_the_desk(app, target):
    client = TestClient(app, base_url="http://localhost")
    page = client.get("/desk/login", params={"next": target}).text
    token = page.split('name="csrf" value="')[1].split('"')[0]
    response = client.post("/desk/login", data={"name": "alice", "password": PASSWORD, "csrf": token, "next": target},
                           follow_redirects=False)
    assert response.headers["location"] == "/desk"
