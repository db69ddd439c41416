"""One customer turn, top to bottom: the steps every message that the bot answers goes through.

    assess       read the conversation so far (Redis) and judge this message with it
    outage       (instead of all below, when Redis is unreachable) conversation.outage
    check input  empty, unreadable, too long or non-Latin text gets a plain reply
    decide       abuse: a warning, then the end of the chat; a request for a person, a legal
                 threat or high frustration: a handoff
    reply        else the action's own reply (a Responder: kb_reply, small_talk, ticket_status,
                 ...), after one apology and a restatement when frustration is rising or the
                 customer says they asked before (to small talk, the apology is the reply)
    notices      service notices the conversation has not heard go in front of the reply
    record       the turn log, the contact history, the entries' outcomes (kb.outcomes), and a
                 waiting handoff's transcript

The action (actions.customer_turn) builds the TurnInput from Rasa's tracker and turns the
TurnResult into dispatcher messages and Rasa events. Blocking work (Redis, encoding, FAISS) runs
off rasa-sdk's event loop (asyncio.to_thread).
"""

from __future__ import annotations

import asyncio

from redis.exceptions import RedisError

from conversation import replies
from conversation.context import ENDED, Reply, Responder, Services, TurnContext, TurnInput, TurnResult
from conversation.handoff_reply import start_handoff
from conversation.input_check import check_text
from conversation.notice_reply import notices_to_tell
from conversation.outage import outage_turn
from conversation.outcome_record import count_outcomes
from customers.contacts import ContactHistory, identities
from customers.flags import flag_customer
from customers.profile import customer_after
from detection import Turn, assess
from handoff.queue import HandoffQueue
from handoff.records import Line
from handoff.summary import add_to_summary
from handoff.turns import CHIT_CHAT, KB_OUTCOMES, TurnLog, TurnRecord
from protocol.metadata import KB_ANSWER_KEY
from protocol.replies import CLARIFY, DONT_KNOW

FEEDBACK = {"affirm": "yes", "deny": "no"}
# Intents answered with small talk, not about the customer's problem.
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "bot_challenge", "capabilities"})
ABUSE_FLAG = "abusive language"


async def take_turn(turn: TurnInput, respond: Responder, services: Services) -> TurnResult:
    """Judge the message, escalate when needed, else reply with `respond`; record the turn."""
    try:
        context = await asyncio.to_thread(assess_turn, turn, services)
    except RedisError:
        return await outage_turn(turn, services)
    reply = check_input(context) or await decide(context) or await reply_to(context, respond)
    if reply.outcome != ENDED:
        await tell_notices(context, reply)
    try:
        await asyncio.to_thread(record, context, reply)
    except RedisError:
        pass  # the reply still goes out; the tracker (Rasa) keeps the message itself
    return TurnResult(context.said, {"customer": context.customer, **reply.slots}, reply.paused, reply.outcome)


def assess_turn(turn: TurnInput, services: Services) -> TurnContext:
    """The conversation so far (Redis: raises RedisError when unreachable), this message judged with it."""
    text, intent = turn.text, turn.intent
    turns = TurnLog(services.redis).all(turn.sender_id)
    history = [Turn(t.text, t.intent, t.outcome, t.feedback) for t in turns]
    history.append(Turn(text, intent, "", FEEDBACK.get(intent, "")))
    checked = check_text(text, services.settings.max_message_chars)
    customer = customer_after(turn.slot("customer"), turn.latest.get("metadata"), text, services.identity_secret)
    return TurnContext(turn, customer, turns, assess(history), checked, services)


def check_input(context: TurnContext) -> Reply | None:
    """Empty, unreadable, too long or non-Latin text gets a plain reply, whatever Rasa guessed."""
    problem = context.checked.problem
    if problem is None or context.text.startswith("/"):  # button payloads are always fine
        return None
    context.say(replies.input_problem(problem, context.services.settings.max_message_chars))
    return Reply()


async def decide(context: TurnContext) -> Reply | None:
    """Abuse or a handoff; None when the action's own reply is wanted."""
    assessment = context.assessment
    if assessment.abusive:
        await asyncio.to_thread(
            flag_customer, context.services.redis, context.customer, context.sender_id, ABUSE_FLAG,
        )
        if not context.input.slot("abuse_warned"):
            context.say([{"text": replies.ABUSE_WARNING}])
            return Reply({"abuse_warned": True})
        context.say([{"text": replies.ABUSE_END}])
        return Reply(outcome=ENDED, paused=True)
    if assessment.hand_off:
        return await start_handoff(context)
    return None


async def reply_to(context: TurnContext, respond: Responder) -> Reply:
    """The action's own reply, after one apology per conversation when frustration is rising or
    the customer says they asked before.

    To small talk ("nobody helps" read as "are you a bot?") the apology is the whole reply: the
    small-talk answer after it would be a second, unrelated one.
    """
    apology = apology_due(context)
    if apology is None:
        return await respond(context)
    context.say([apology])
    reply = Reply() if context.intent in SMALL_TALK else await respond(context)
    reply.slots["apologised"] = True
    return reply


def apology_due(context: TurnContext) -> replies.Message | None:
    """The apology this message calls for, if any and none was made yet in this conversation."""
    if context.input.slot("apologised"):
        return None
    small_talk = context.intent in SMALL_TALK
    if context.assessment.asked_before:
        return replies.asked_again(restated(context, earlier_only=True), answer_follows=not small_talk)
    if context.assessment.level == "rising":
        return replies.acknowledge(restated(context, earlier_only=small_talk))
    return None


def restated(context: TurnContext, earlier_only: bool = False) -> str:
    """The customer's problem in their own words: the first real question, else this message
    (unless `earlier_only`: then "" when there was none)."""
    for turn in context.turns:
        if turn.outcome in KB_OUTCOMES:
            return turn.text
    return "" if earlier_only else context.text


async def tell_notices(context: TurnContext, reply: Reply) -> None:
    """Put the notices this conversation has not heard yet in front of the reply."""
    texts = await notices_to_tell(context.services, context.sender_id, reply.entries)
    context.said[:0] = [{"text": text} for text in texts]


def record(context: TurnContext, reply: Reply) -> None:
    """Keep the turn: the turn log, the contact history, and a waiting handoff's transcript."""
    client = context.services.redis
    turn = TurnRecord(
        text=context.text, intent=context.intent, outcome=reply.outcome, entries=reply.entries,
        feedback=FEEDBACK.get(context.intent, ""), level=context.assessment.level,
        version=replies.answer_version(context.said),
    )
    TurnLog(client).append(context.sender_id, turn)
    count_outcomes(client, context.customer, context.sender_id, context.turns, turn)
    topic = context.text if reply.outcome in KB_OUTCOMES else ""
    ContactHistory(client).touch(
        context.sender_id, identities(context.customer), reply.entries, context.intent, topic,
    )
    # While waiting for a person, the exchanges with the bot join the handoff's transcript, and
    # what the customer says beyond a question for the bot joins the summary the agent reads.
    queue = HandoffQueue(client)
    handoff = queue.open_for(context.sender_id)
    if handoff and reply.outcome != "handoff":
        queue.append(handoff.ticket, Line("customer", context.text))
        beyond_a_question = reply.outcome in (DONT_KNOW, CLARIFY, "") and context.intent not in CHIT_CHAT
        if beyond_a_question and not context.text.startswith("/"):
            queue.update(handoff.ticket, summary=add_to_summary(handoff.summary, context.text))
        for message in context.said:
            if message.get("text"):
                queue.append(handoff.ticket, Line("bot", message["text"], answer=message.get(KB_ANSWER_KEY)))
