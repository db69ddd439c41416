"""Server-side desk sessions (revocable) and throttled logins, through the app's routes and the command."""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import time

from typing import Iterator

import httpx
import pytest
import redis
import uvicorn
from starlette.testclient import TestClient

from desk import users as users_module
from desk.users import USERS_KEY
from desk.sessions import SESSION_SECONDS, SessionStore
from desk.throttle import LOCKS_KEY, LoginThrottle, client_address, too_many
from handoff.queue import EVENTS_CHANNEL
from tests.desk.conftest import PASSWORD, log_in
from bench.clients import free_port

WRONG = "Wrong user name or password."
LOCKED = "Too many failed attempts; try again in 15 minutes."


def browser(app, address: str = "10.0.0.1") -> TestClient:
    """A fresh browser (its own cookies) at client address `address`."""
    return TestClient(app, base_url="http://localhost", client=(address, 50000))


def try_login(client: TestClient, name: str, password: str):
    """Post the login form once (with a fresh form's CSRF token); the response, not followed."""
    page = client.get("/desk/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/desk/login", data={"name": name, "password": password, "csrf": token},
                       follow_redirects=False)


def logged_in(client: TestClient) -> bool:
    return client.get("/desk/api/queue").status_code == 200


def let_time_pass(client: redis.Redis, subject: str) -> None:
    """The short refusal after a failure runs out (its entry in the locks' sorted set goes), not the count."""
    client.zrem(LOCKS_KEY, subject)


def fail(client: TestClient, redis_client: redis.Redis, name: str, times: int, address: str = "10.0.0.1") -> None:
    """`times` wrong passwords for `name`, each after any short refusal has run out."""
    for _ in range(times):
        let_time_pass(redis_client, f"user:{name}")
        let_time_pass(redis_client, f"addr:{address}")
        assert try_login(client, name, "wrong password").status_code == 401


def run_command(monkeypatch, redis_url: str, *argv: str, stdin: str = "") -> int:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("EMBEDDING_MODEL", "unused")
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return users_module.main(list(argv))


# --- sessions ---------------------------------------------------------------------------------------

def test_a_cookie_replayed_after_logout_is_refused(app, client_for):
    alice = client_for("alice")
    stolen = dict(alice.cookies)
    assert alice.post("/desk/logout", follow_redirects=False).status_code == 303
    replay = browser(app)
    replay.cookies.update(stolen)
    replay.headers["X-CSRF-Token"] = alice.headers["X-CSRF-Token"]
    assert replay.get("/desk/api/queue").status_code == 401
    assert replay.get("/desk", follow_redirects=False).headers["location"].startswith("/desk/login")
    assert replay.post("/desk/api/heartbeat").status_code == 401


def test_the_cookie_holds_only_a_session_id_and_the_session_expires_in_redis(app, client_for, redis_client):
    alice = client_for("alice")
    keys = [k.decode() for k in redis_client.scan_iter("desk:session:*")]
    assert len(keys) == 1
    stored = redis_client.hgetall(keys[0])
    assert stored[b"user"] == b"alice" and stored[b"csrf"].decode() == alice.headers["X-CSRF-Token"]
    assert SESSION_SECONDS - 60 < redis_client.ttl(keys[0]) <= SESSION_SECONDS
    payload = alice.cookies["desk_session"].split(".")[0]
    assert json.loads(base64.b64decode(payload + "==")) == {"sid": keys[0].removeprefix("desk:session:")}


def test_logging_in_again_starts_a_new_session_and_ends_the_old_one(app, redis_client):
    client = browser(app)
    log_in(client, "alice")
    old = dict(client.cookies)
    log_in(client, "bob")
    replay = browser(app)
    replay.cookies.update(old)
    assert not logged_in(replay)
    assert len(list(redis_client.scan_iter("desk:session:*"))) == 1


def test_a_password_change_ends_every_session_of_that_user(app, client_for, monkeypatch, redis_url):
    alice, also_alice, bob = client_for("alice"), client_for("alice"), client_for("bob")
    assert run_command(monkeypatch, redis_url, "passwd", "alice", stdin="a brand new password\n") == 0
    assert not logged_in(alice) and not logged_in(also_alice)
    assert logged_in(bob)
    assert try_login(browser(app), "alice", PASSWORD).status_code == 401
    assert try_login(browser(app), "alice", "a brand new password").status_code == 303


def test_changing_ones_password_in_the_desk_ends_the_other_sessions_only(app, client_for):
    here, elsewhere = client_for("alice"), client_for("alice")
    assert 'href="/desk/password"' in here.get("/desk").text
    change = {"current": PASSWORD, "new": "a brand new password", "again": "a brand new password"}
    assert here.post("/desk/password", data={**change, "again": "something else"}).status_code == 400
    assert here.post("/desk/password", data={**change, "new": "short", "again": "short"}).status_code == 400
    wrong = here.post("/desk/password", data={**change, "current": "not it"})
    assert wrong.status_code == 401 and "The current password is wrong." in wrong.text
    assert logged_in(elsewhere)  # nothing changed so far
    done = here.post("/desk/password", data=change)
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert logged_in(here) and not logged_in(elsewhere)
    assert try_login(browser(app), "alice", "a brand new password").status_code == 303


def test_guessing_the_current_password_in_the_desk_is_throttled_like_a_login(app, client_for, redis_client):
    alice = client_for("alice")
    for _ in range(10):
        let_time_pass(redis_client, "user:alice")
        alice.post("/desk/password", data={"current": "guess", "new": "whatever it is", "again": "whatever it is"})
    refused = alice.post("/desk/password", data={"current": PASSWORD, "new": "whatever it is", "again": "whatever it is"})
    assert refused.status_code == 429 and LOCKED in refused.text
    assert try_login(browser(app), "alice", PASSWORD).status_code == 429


def test_the_commands_end_sessions_and_remove_users(app, client_for, monkeypatch, redis_url, capsys):
    alice, bob = client_for("alice"), client_for("bob")
    assert run_command(monkeypatch, redis_url, "end-sessions", "alice") == 0
    assert "ended 1 session(s) of alice" in capsys.readouterr().out
    assert not logged_in(alice) and logged_in(bob)
    assert run_command(monkeypatch, redis_url, "remove", "bob") == 0
    assert not logged_in(bob)
    assert try_login(browser(app), "bob", PASSWORD).status_code == 401
    assert run_command(monkeypatch, redis_url, "remove", "bob") == 1
    assert run_command(monkeypatch, redis_url, "passwd", "nobody", stdin="long enough password\n") == 1


def test_a_login_just_after_a_removal_ended_the_sessions_gets_none(app, svc, monkeypatch):
    end_all = SessionStore.end_all
    racing: list[int] = []

    def end_then_log_in(store: SessionStore, user: str, keep: str | None = None) -> int:
        ended = end_all(store, user, keep)
        racing.append(try_login(browser(app), user, PASSWORD).status_code)  # a login racing the removal
        return ended

    monkeypatch.setattr(SessionStore, "end_all", end_then_log_in)
    assert svc.users.remove("bob")
    assert racing == [401] and svc.sessions.count("bob") == 0  # the user was already gone


def test_a_user_created_under_a_removed_name_inherits_no_session(app, client_for, svc, redis_client):
    old_bob = client_for("bob")
    redis_client.hdel(USERS_KEY, "bob")  # removed while a session of bob's lived on (or was started meanwhile)
    svc.users.create("bob", "a new bob's password", "agent")
    assert not logged_in(old_bob)
    assert logged_in(log_in(browser(app), "bob", "a new bob's password"))


def test_an_admin_ends_a_users_sessions_from_the_user_list(client_for):
    alice, admin = client_for("alice"), client_for("ada")
    page = admin.get("/desk/users").text
    assert 'action="/desk/users/alice/end-sessions"' in page
    assert client_for("sue").post("/desk/users/alice/end-sessions").status_code == 403  # admins only
    assert logged_in(alice)
    assert admin.post("/desk/users/alice/end-sessions", follow_redirects=False).headers["location"] == "/desk/users"
    assert not logged_in(alice)
    assert 'action="/desk/users/alice/end-sessions"' not in admin.get("/desk/users").text


def test_an_admin_ending_their_own_sessions_keeps_the_one_they_use(client_for):
    here, elsewhere = client_for("ada"), client_for("ada")
    here.post("/desk/users/ada/end-sessions")
    assert logged_in(here) and not logged_in(elsewhere)


@pytest.fixture
def served(app) -> Iterator[str]:
    """The app served by uvicorn (an event stream needs a real server: the TestClient waits for a
    response's end), without its lifespan tasks; the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_an_open_event_stream_ends_with_its_session(served, client_for, svc):
    alice, admin = client_for("alice"), client_for("ada")
    with httpx.Client(base_url=served, cookies={"desk_session": alice.cookies["desk_session"]}) as http, \
            http.stream("GET", "/desk/events", timeout=20) as stream:
        lines = stream.iter_lines()
        assert next(line for line in lines if line.startswith("event:")) == "event: queue"
        admin.post("/desk/users/alice/end-sessions")
        ended = time.time()
        svc.redis.publish(EVENTS_CHANNEL, "{}")  # a queue change: the stream would send a new snapshot
        rest = []
        for line in lines:  # ends instead (if not, give up 10 s after: the stream refreshes every 15 s)
            rest.append(line)
            if time.time() > ended + 10:
                break
    snapshots = [json.loads(line.removeprefix("data: ")) for line in rest if line.startswith("data: ")]
    assert all(snapshot["now"] < ended for snapshot in snapshots), "a snapshot was sent after the session ended"


# --- throttling -------------------------------------------------------------------------------------

def test_after_five_failures_logins_wait_a_growing_time_even_with_the_right_password(app, redis_client):
    client = browser(app)
    fail(client, redis_client, "alice", 4)
    fifth = try_login(client, "alice", "wrong password")
    assert fifth.status_code == 401 and "Too many failed attempts; try again in 2 seconds." in fifth.text
    refused = try_login(client, "alice", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 2
    assert "Too many failed attempts; try again in 2 seconds." in refused.text
    time.sleep(2.1)
    assert "try again in 4 seconds" in try_login(client, "alice", "wrong password").text
    let_time_pass(redis_client, "user:alice")
    assert try_login(client, "alice", PASSWORD).status_code == 303  # and the count starts again
    assert LoginThrottle(redis_client).failures(["alice"]) == {}


def test_ten_failures_lock_the_account_and_say_so_the_same_for_unknown_names(app, redis_client):
    client = browser(app)
    fail(client, redis_client, "alice", 9)
    fail(client, redis_client, "mallory", 9)  # no such user
    let_time_pass(redis_client, "user:alice")
    let_time_pass(redis_client, "user:mallory")
    tenth = try_login(client, "alice", "wrong password")
    assert tenth.status_code == 401 and LOCKED in tenth.text
    locked = try_login(browser(app, "10.0.0.2"), "alice", PASSWORD)  # the right password, another address
    assert locked.status_code == 429 and LOCKED in locked.text and 840 < int(locked.headers["Retry-After"]) <= 900
    unknown = try_login(client, "mallory", "wrong password")
    assert (unknown.status_code, unknown.text.count(LOCKED)) == (401, 1)  # the same answer: nothing told
    assert try_login(browser(app, "10.0.0.2"), "mallory", PASSWORD).status_code == 429
    assert try_login(browser(app, "10.0.0.3"), "bob", PASSWORD).status_code == 303  # others are not held back


def test_an_admin_sees_failures_and_locks_and_unlocks_in_the_desk(app, client_for, redis_client):
    admin = client_for("ada")
    attacker = browser(app, "192.0.2.7")
    fail(attacker, redis_client, "alice", 10, address="192.0.2.7")
    page = admin.get("/desk/users").text
    row = re.search(r'<tr data-user="alice">.*?</tr>', page, re.S).group(0)
    assert re.search(r"locked, 1[45] min", row) and 'action="/desk/users/alice/unlock"' in row
    assert "Recent failed logins" in page and "192.0.2.7" in page and ">locked<" in page
    assert client_for("sue").post("/desk/users/alice/unlock").status_code == 403
    assert admin.post("/desk/users/alice/unlock", follow_redirects=False).status_code == 303
    assert try_login(browser(app, "10.0.0.5"), "alice", PASSWORD).status_code == 303
    assert "unlocked by ada" in admin.get("/desk/users").text


def test_the_unlock_command_lifts_an_account_lock(app, redis_client, monkeypatch, redis_url, capsys):
    client = browser(app)
    fail(client, redis_client, "alice", 10)
    assert try_login(client, "alice", PASSWORD).status_code == 429
    assert run_command(monkeypatch, redis_url, "unlock", "alice") == 0
    assert "unlocked alice" in capsys.readouterr().out
    assert try_login(client, "alice", PASSWORD).status_code == 303
    assert run_command(monkeypatch, redis_url, "unlock") == 1  # a name or --address


def test_one_address_spraying_many_names_is_held_back_and_an_admin_unblocks_it(app, client_for, redis_client,
                                                                                monkeypatch, redis_url):
    admin = client_for("ada")
    attacker = browser(app, "198.51.100.9")
    for i in range(20):  # two guesses at each of ten names: no account reaches its own limit
        let_time_pass(redis_client, "addr:198.51.100.9")
        assert try_login(attacker, f"user{i // 2}", "guess").status_code == 401
    refused = try_login(attacker, "bob", PASSWORD)  # even a right password, from that address
    assert refused.status_code == 429 and "Too many failed attempts" in refused.text
    assert try_login(browser(app, "10.0.0.8"), "bob", PASSWORD).status_code == 303  # bob elsewhere is fine
    page = admin.get("/desk/users").text
    assert "198.51.100.9" in page and 'name="address" value="198.51.100.9"' in page
    admin.post("/desk/users/unblock-address", data={"address": "198.51.100.9"})
    assert try_login(attacker, "bob", PASSWORD).status_code == 303
    for i in range(20):
        let_time_pass(redis_client, "addr:198.51.100.9")
        try_login(browser(app, "198.51.100.9"), f"user{i}", "guess")
    assert try_login(browser(app, "198.51.100.9"), "carl", PASSWORD).status_code == 429
    assert run_command(monkeypatch, redis_url, "unlock", "--address", "198.51.100.9") == 0
    assert try_login(browser(app, "198.51.100.9"), "carl", PASSWORD).status_code == 303


def test_an_address_is_slowed_up_to_its_29th_failure_and_locked_from_its_30th(redis_client):
    throttle = LoginThrottle(redis_client)
    for _ in range(30):
        let_time_pass(redis_client, "addr:198.51.100.7")
        throttle.failed(throttle.attempt(None, "198.51.100.7"))
    thirtieth, twenty_ninth, twenty_eighth = throttle.recent(3)
    assert [(e["event"], e["address_failures"], e["refused_for"]) for e in (twenty_eighth, twenty_ninth, thirtieth)] == [
        ("failed", "28", "450"), ("failed", "29", "450"), ("locked", "30", "900")]  # as the README's table says


def test_parallel_guesses_get_no_extra_tries(redis_client):
    throttle = LoginThrottle(redis_client)
    for _ in range(4):
        throttle.failed(throttle.attempt("alice", "10.0.0.1"))
    outcomes: list[object] = []
    threads = [threading.Thread(target=lambda: outcomes.append(throttle.attempt("alice", "10.0.0.1")))
               for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(not isinstance(o, float) for o in outcomes) == 1  # one 5th guess; the rest are refused


@pytest.mark.parametrize("seconds, message", [(1.2, "try again in 2 seconds."), (59, "try again in 59 seconds."),
                                              (61, "try again in 2 minutes."), (60, "try again in 1 minute.")])
def test_the_wait_is_told_in_plain_words(seconds, message):
    assert too_many(seconds) == "Too many failed attempts; " + message


@pytest.mark.parametrize("host, counted_as", [("203.0.113.5", "203.0.113.5"), ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
                                              ("::ffff:203.0.113.5", "203.0.113.5"), ("testclient", "testclient")])
def test_an_ipv6_address_counts_as_its_whole_64(host, counted_as):
    assert client_address(host) == counted_as
