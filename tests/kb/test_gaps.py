"""The gap log in a real Redis, and grouping gaps by meaning."""

from __future__ import annotations

import numpy as np

from kb.gaps import MAX_GAPS, MAX_PER_CONVERSATION, Gap, GapLog, group_gaps


def unit(*values: float) -> np.ndarray:
    vector = np.zeros(8, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def gap(question: str, vector: np.ndarray, conversation: str = "c1", kind: str = "unanswered",
        entries: tuple[str, ...] = (), at: float = 0.0) -> Gap:
    return Gap(question, question, kind, entries, conversation, at, vector)  # type: ignore[arg-type]


def test_a_gap_is_kept_with_secrets_and_emails_masked_and_the_conversation_hashed(redis_client):
    log = GapLog(redis_client)
    log.record("card 4111 1111 1111 1234 refused, mail me at sam@example.com, my pin is 1234",
               "rejected", ["payment-methods", "failed-payment"], "customer-42", unit(1, 2))
    [kept] = log.all()
    assert kept.question == "card [card ending 1234] refused, mail me at [e-mail], my pin is [hidden]"
    assert kept.kind == "rejected" and kept.entries == ("payment-methods", "failed-payment")
    assert kept.conversation != "customer-42" and len(kept.conversation) == 16
    assert np.allclose(kept.vector, unit(1, 2), atol=1e-3)


def test_removing_gaps_forgets_only_those(redis_client):
    log = GapLog(redis_client)
    for text in ("one", "two", "three"):
        log.record(text, "rejected", ["refund-timing"], "c", unit(1))
    first, second, third = log.all()
    assert log.remove([first.id, third.id]) == 2
    assert [g.question for g in log.all()] == ["two"] and log.all()[0].entries == ("refund-timing",)
    assert log.remove([]) == 0


def test_the_log_is_bounded(redis_client):
    log = GapLog(redis_client)
    for i in range(MAX_GAPS + 300):
        log.record(f"q{i}", "unanswered", [], f"c{i}", unit(1))
    kept = log.all()
    assert MAX_GAPS <= len(kept) < MAX_GAPS + 300 and kept[-1].question == f"q{MAX_GAPS + 299}"


def test_one_conversation_cannot_flood_the_log(redis_client):
    log = GapLog(redis_client)
    kept = [log.record(f"spam {i}", "unanswered", [], "flooder", unit(1)) for i in range(MAX_PER_CONVERSATION + 5)]
    assert kept == [True] * MAX_PER_CONVERSATION + [False] * 5
    assert log.record("a real question", "unanswered", [], "someone else", unit(1))
    assert len(log.all()) == MAX_PER_CONVERSATION + 1


def test_gaps_are_grouped_by_meaning_and_the_most_asked_group_comes_first():
    gaps = [
        gap("bitcoin?", unit(1, 0.1), "a", at=1),
        gap("gift wrap?", unit(0, 0, 1), "a", at=2),
        gap("crypto?", unit(1, 0.2), "b", at=3),
        gap("pay in bitcoin", unit(1, 0.15), "b", kind="rejected", entries=("payment-methods",), at=4),
    ]
    crypto, wrap = group_gaps(gaps)
    assert [g.question for g in crypto.gaps] == ["bitcoin?", "crypto?", "pay in bitcoin"]
    assert crypto.customers == 2  # "b" asked twice
    assert crypto.questions == ["pay in bitcoin", "crypto?", "bitcoin?"]
    assert crypto.count("unanswered") == 2 and crypto.count("rejected") == 1
    assert crypto.rejected_entries == ["payment-methods"] and crypto.last_at == 4
    assert [g.question for g in wrap.gaps] == ["gift wrap?"]


def test_a_question_joins_the_closest_group_only_above_the_threshold():
    gaps = [gap("a", unit(1, 0)), gap("b", unit(0, 1)), gap("c", unit(1, 1))]  # c is 0.71 from each
    assert len(group_gaps(gaps, min_similarity=0.75)) == 3
    assert len(group_gaps(gaps, min_similarity=0.70)) == 2
