"""KB edits are live at once in every action-server replica, and nobody waits for the refit.

Two action servers share the stack's Redis: Rasa talks to the stack's own, the second is asked
through its webhook as Rasa would. A content owner adds and then edits an entry through the
desk editor's POST; each replica answers with it at once. A customer asks questions throughout,
and until the refit that follows the edits is done, without ever waiting for it.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest
import requests

from infra.settings import REPO_ROOT
from launcher.stack import service_env
from kb.encoder import Encoder
from kb.fits import FitStore
from kb.retrieval_config import RetrievalConfig
from kb.store import fingerprint
from tests.e2e.desk_fixtures import desk_api
from tests.e2e.running import RunningStack
from bench.clients import Customer, free_port
from tests.support import shows, texts

QUESTION = "Do you deliver to research stations in Antarctica?"
ANSWER = "We ship to Antarctic research stations twice a year, with the supply flights (code 5c1d)."
EDITED = "We ship to Antarctic research stations once a month now (code 8e2f)."
ENTRY = {
    "id": "antarctic-delivery", "title": "Delivery to Antarctica", "category": "delivery", "tags": "delivery",
    "owner": "e2e", "last_reviewed": "2026-01-01", "answer": ANSWER, "related": "", "link": "",
    "questions": "Can you deliver to Antarctica?\nDo you ship to research stations?\nDelivery to the South Pole",
}
# Generous for a shared 2-core machine: the goal is 1 s, the old rebuild took 6-30 s.
LIVE_WITHIN = 3.0
LONGEST_WAIT = 5.0


@pytest.fixture
def second_replica(running_stack: RunningStack, tmp_path: Path) -> Iterator[str]:
    """A second action server on the stack's Redis, started as the stack starts its own; its webhook URL."""
    settings = dataclasses.replace(running_stack.settings, action_port=free_port())
    with (tmp_path / "actions-2.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "actions.server"], env=service_env(settings),
                                   cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        seconds_until(lambda: process.poll() is None and _healthy(settings.action_port), 300)
        yield f"http://localhost:{settings.action_port}/webhook"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _healthy(port: int) -> bool:
    assert port, "no port"
    try:
        return requests.get(f"http://localhost:{port}/health", timeout=10).status_code == 200
    except requests.RequestException:
        return False


def ask_replica(webhook: str, question: str) -> str:
    """What the replica answers to `question` in a new conversation (the texts it sends)."""
    call = {
        "next_action": "action_kb_answer", "sender_id": "replica-" + uuid.uuid4().hex[:12], "domain": {},
        "tracker": {"sender_id": "replica", "slots": {}, "events": [], "paused": False,
                    "latest_message": {"text": question, "intent": {"name": "ask_question"}}},
    }
    response = requests.post(webhook, json=call, timeout=60)
    response.raise_for_status()
    return texts(response.json()["responses"])


def seconds_until(check: Callable[[], bool], timeout: float) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, "not within the time allowed"
        time.sleep(0.05)
    return time.monotonic() - started


class Asker:
    """Customers asking a KB question one after the other, each answer timed."""

    def __init__(self, running_stack: RunningStack) -> None:
        self._rasa_url = running_stack.rasa_url
        self.waits: list[float] = []
        self.replies: list[list[dict]] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.is_set():
            started = time.monotonic()
            # A new conversation each time: the same question again and again would read as frustration.
            reply = Customer(self._rasa_url).say("How long does a refund take?")
            self.waits.append(time.monotonic() - started)
            self.replies.append(reply)

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=120)


def test_an_edit_is_live_at_once_in_both_replicas_while_a_customer_never_waits(
        running_stack: RunningStack, stack_redis, second_replica: str) -> None:
    store = running_stack.store()
    desk = desk_api(running_stack.desk_url, "carl")
    first = Customer(running_stack.rasa_url)
    ask_replica(second_replica, "warm up")
    asker = Asker(running_stack)
    try:
        saved = desk.http.post(f"{running_stack.desk_url}/desk/kb/entries/new", data=ENTRY, timeout=30, allow_redirects=False)
        assert saved.status_code == 303, saved.text
        # The first replica (through Rasa) and the second answer from the new entry.
        live = [seconds_until(lambda: ANSWER in texts(first.say(QUESTION)), LIVE_WITHIN),
                seconds_until(lambda: ANSWER in ask_replica(second_replica, QUESTION), LIVE_WITHIN)]
        print(f"added entry live after {live[0]:.2f} s (replica 1, through Rasa), then {live[1]:.2f} s more (replica 2)")

        edited = desk.http.post(f"{running_stack.desk_url}/desk/kb/entries/{ENTRY['id']}", timeout=30, allow_redirects=False,
                                data={**ENTRY, "answer": EDITED, "base": fingerprint(store.get(ENTRY["id"]))})
        assert edited.status_code == 303, edited.text
        # An edited answer is read from Redis at answer time: never its old text.
        replies = texts(first.say(QUESTION))
        assert EDITED in replies and ANSWER not in replies
        assert EDITED in ask_replica(second_replica, QUESTION)

        # The refit after the edits runs in the background, once, for both replicas.
        settings = running_stack.settings
        fits = FitStore(stack_redis, Encoder(settings.embedding_model), RetrievalConfig.load())
        wanted = fits.key_for(list(store.snapshot().entries.values()))
        seconds_until(lambda: fits.latest_key() == wanted, 300)
        time.sleep(2)  # questions asked while the replicas load it

        deleted = desk.http.post(f"{running_stack.desk_url}/desk/kb/entries/{ENTRY['id']}/delete", timeout=30,
                                 allow_redirects=False, data={"confirm": "yes", "base": fingerprint(store.get(ENTRY["id"]))})
        assert deleted.status_code == 303, deleted.text
        # A deleted entry is never shown again, by either replica.
        assert EDITED not in texts(first.say(QUESTION))
        assert EDITED not in ask_replica(second_replica, QUESTION)
    finally:
        asker.stop()
        if store.get(ENTRY["id"]):
            store.delete_entry(ENTRY["id"], fingerprint(store.get(ENTRY["id"])))
    refund = store.get("refund-timing").answer
    assert len(asker.waits) >= 5
    assert all(shows(refund, replies) for replies in asker.replies), asker.replies[-3:]
    print(f"{len(asker.waits)} questions meanwhile, longest wait {max(asker.waits):.2f} s")
    assert max(asker.waits) < LONGEST_WAIT, sorted(asker.waits)[-5:]
