"""Greetings and small talk; the greeting recognises a returning customer with an unresolved issue."""

from __future__ import annotations

import asyncio
import time

from redis.exceptions import RedisError

from conversation import replies
from conversation.context import Reply, TurnContext
from conversation.rating_reply import asks_for_rating
from customers.contacts import Contact, ContactHistory, signed_identities, verified_identities
from customers.echo import plain_text
from customers.facts import mask_personal

RESPONSES = {"goodbye": "utter_goodbye", "thank": "utter_you_are_welcome", "bot_challenge": "utter_iamabot"}


def unresolved_earlier(context: TurnContext) -> tuple[list[Contact], str]:
    """The customer's other conversations in the repeat window that were not resolved, found by
    verified identities only, and the topic the greeting may name.

    The topic is named only from a conversation of the same website-signed customer (a browser
    may be shared), with e-mail addresses and secrets masked; otherwise the greeting says only
    how often. Identities typed in the chat never find anything here.
    """
    history, now = ContactHistory(context.services.redis), time.time()
    since = now - context.services.settings.repeat_window_days * 86400
    earlier = history.earlier(verified_identities(context.customer), since, exclude=context.sender_id)
    unresolved = [c for c in earlier if c.effective_outcome(now) != "resolved"]
    signed = set(signed_identities(context.customer))
    topic = next((c.topic for c in reversed(unresolved) if c.topic and signed & set(c.identities)), "")
    return unresolved, mask_personal(topic)


async def greet(context: TurnContext) -> Reply:
    """Greet; a repeat contact about an unresolved issue is told so and offered a person at once."""
    earlier, topic = await context.off_loop(lambda: unresolved_earlier(context)) or ([], "")
    # The name the website gave (or a visitor claims) is repeated as plain text only.
    name = plain_text(context.customer.get("name", ""))
    if earlier:
        context.say(replies.repeat_greeting(name, len(earlier), topic))
        return Reply()
    context.say([{"response": "utter_greet_name" if name else "utter_greet", "name": name}])
    return Reply()


async def small_talk(context: TurnContext) -> Reply:
    """Goodbye, thanks and "are you a bot?": the domain's responses; at goodbye maybe a rating form."""
    context.say([{"response": RESPONSES.get(context.intent, "utter_you_are_welcome")}])
    if context.intent == "goodbye" and await _asks_for_rating(context):
        context.say([replies.rating_request()])
    return Reply()


async def _asks_for_rating(context: TurnContext) -> bool:
    try:
        return await asyncio.to_thread(asks_for_rating, context)
    except RedisError:
        return False  # a goodbye is still said; the rating is not worth an error message


async def capabilities(context: TurnContext) -> Reply:
    """Say what the assistant can help with, from the categories the KB holds now."""
    categories = await context.off_loop(context.services.knowledge_base.categories)
    if categories is None:
        return Reply()
    topics = ", ".join(categories[:-1]) + f" and {categories[-1]}" if len(categories) > 1 else "".join(categories)
    about = f" about {topics}" if topics else ""
    context.say([{"text": f"I can answer questions{about} from our help centre. Just ask in your own words. "
                          "If I can't help, I'll pass you to a person."}])
    return Reply()
