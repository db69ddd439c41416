"""A customer asks how their ticket is doing: by its number, or "my ticket" for their latest one."""

from __future__ import annotations

import re
import time

from conversation import replies
from conversation.context import Reply, TurnContext
from conversation.kb_reply import answer
from customers.contacts import ContactHistory, verified_identities
from handoff.queue import HandoffQueue
from handoff.ticket_status import status_text, ticket_refs

MAX_TOLD = 3  # tickets described in one reply
# "The status of my refund" is a question for the KB, not about a ticket: without a ticket number,
# the message must say ticket (or case, reference) to be answered here.
TICKET_WORDS = re.compile(r"\b(tickets?|cases?|reference|ref)\b", re.I)
WHICH_TICKET = ("Which ticket? Its number is in the message we sent when it was "
                "opened: a T and six digits, like T000123.")


def _their_tickets(context: TurnContext) -> list[str]:
    """This conversation's ticket, else the customer's latest from earlier contacts (found by
    verified identities only: an e-mail typed in the chat could be anyone's)."""
    history = ContactHistory(context.services.redis)
    own = history.get(context.sender_id)
    if own and own.ticket:
        return [own.ticket]
    since = time.time() - context.services.settings.repeat_window_days * 86400
    earlier = history.earlier(verified_identities(context.customer), since, exclude=context.sender_id)
    return [c.ticket for c in reversed(earlier) if c.ticket][:1]


def _statuses(context: TurnContext, refs: list[str]) -> list[tuple[str, bool]]:
    queue, now = HandoffQueue(context.services.redis), time.time()
    return [status_text(ref, queue.get(ref), queue.position(ref), now) for ref in refs[:MAX_TOLD]]


async def ticket_status(context: TurnContext) -> Reply:
    """Tell the state of the tickets named in the message, or of the customer's own latest one."""
    refs = ticket_refs(context.text)
    if not refs and not TICKET_WORDS.search(context.text):
        return await answer(context)
    found = refs or await context.off_loop(lambda: _their_tickets(context))
    if found is None:
        return Reply()  # Redis is down: the customer has been told
    if not found:
        context.say([{"text": WHICH_TICKET}])
        return Reply()
    told = await context.off_loop(lambda: _statuses(context, found))
    for text, offer_person in told or []:
        context.say([{"text": text, **({"buttons": [replies.HUMAN_BUTTON]} if offer_person else {})}])
    return Reply()
