"""A customer asks how their ticket is doing: by its number, or "my ticket" for their latest one."""

from __future__ import annotations

import re
import time

from actions import replies
from actions.customer_turn import CustomerTurnAction, Reply, TurnContext
from actions.kb_answer import ActionKBAnswer, utter
from actions.runtime import call_kb, redis_client, settings
from customers.contacts import ContactHistory, verified_identities
from handoff.queue import HandoffQueue
from handoff.ticket_status import status_text, ticket_refs

MAX_TOLD = 3  # tickets described in one reply
# "The status of my refund" is a question for the KB, not about a ticket: without a ticket number,
# the message must say ticket (or case, reference) to be answered here.
TICKET_WORDS = re.compile(r"\b(tickets?|cases?|reference|ref)\b", re.I)


def _their_tickets(context: TurnContext) -> list[str]:
    """This conversation's ticket, else the customer's latest from earlier contacts (found by
    verified identities only: an e-mail typed in the chat could be anyone's)."""
    history = ContactHistory(redis_client())
    own = history.get(context.sender_id)
    if own and own.ticket:
        return [own.ticket]
    since = time.time() - settings().repeat_window_days * 86400
    earlier = history.earlier(verified_identities(context.customer), since, exclude=context.sender_id)
    return [c.ticket for c in reversed(earlier) if c.ticket][:1]


def _statuses(refs: list[str]) -> list[tuple[str, bool]]:
    queue, now = HandoffQueue(redis_client()), time.time()
    return [status_text(ref, queue.get(ref), queue.position(ref), now) for ref in refs[:MAX_TOLD]]


class ActionTicketStatus(CustomerTurnAction):
    """Tells the state of the tickets named in the message, or of the customer's own latest one."""

    def name(self) -> str:
        return "action_ticket_status"

    async def respond(self, dispatcher, tracker, domain, context) -> Reply:
        refs = ticket_refs(context.text)
        if not refs and not TICKET_WORDS.search(context.text):
            return await ActionKBAnswer().respond(dispatcher, tracker, domain, context)
        refs = refs or await call_kb(dispatcher, lambda: _their_tickets(context))
        if refs is None:
            return Reply()  # Redis is down: the customer has been told
        if not refs:
            dispatcher.utter_message(text="Which ticket? Its number is in the message we sent when it was "
                                          "opened: a T and six digits, like T000123.")
            return Reply()
        told = await call_kb(dispatcher, lambda: _statuses(refs))
        for text, offer_person in told or []:
            utter(dispatcher, [{"text": text, **({"buttons": [replies.HUMAN_BUTTON]} if offer_person else {})}])
        return Reply()
