"""Rasa's REST and socket.io channels, with the input bounded before it costs anything.

Named in credentials.yml by module path (Rasa 3.6 loads any channel class that way); they keep
Rasa's names, so the URLs (/webhooks/rest/webhook, /socket.io) and events stay the same. What
they add, the same on both (the rules themselves are in rasa_ext/input_rules.py, the lines in
rasa_ext/conversation_queue.py):

* a malformed request is refused with its reason: REST answers 400 `{"error": "..."}` (413 for a
  body over MAX_BODY_BYTES, read no further); socket.io emits ERROR_EVENT to the sender (for a
  malformed `session_request` too), and takes packets up to MAX_BODY_BYTES. An input the checks
  fail on unexpectedly is refused the same way (one log line), never a 500 or silence;
* the text is cleaned, a payload we don't send is made plain text, and NLU reads at most
  MAX_MESSAGE_CHARS (the full text goes along in the metadata);
* one conversation's messages are handled one at a time, in arrival order, at most BACKLOG at
  once; beyond that REST answers 429 with Retry-After, socket.io emits ERROR_EVENT with
  `retry_after`. A message taken is handled to the end even if the client goes away.

Over socket.io the handler returns as soon as the message is taken or refused; a client that asks
for an acknowledgement (our widget) gets `{"ok": true}` or the error object as it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_ext import metrics
from rasa_ext.conversation_queue import Busy, ConversationQueues
from rasa_ext.input_rules import MAX_BODY_BYTES, Incoming, InputError, incoming, parse_body, text_field

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# The socket.io event a refused message gets: {"error": "<reason>"}, plus "retry_after"
# (seconds) when the conversation's backlog is full.
ERROR_EVENT = "user_uttered_error"
# One set of lines per process, shared by the channels: a conversation reached over both
# (REST tests, socket.io widget) still has its messages handled one at a time.
QUEUES = ConversationQueues()


def _error(status: int, reason: str, headers: dict[str, str] | None = None, **extra: Any) -> HTTPResponse:
    return response.json({"error": reason, **extra}, status=status, headers=headers)


def _unexpected(error: Exception) -> str:
    """The reason for a request the input checks failed on: logged in one line, refused as malformed.

    The last resort behind InputError: an input no rule foresaw (the way nested JSON once was)
    gets a 400 or ERROR_EVENT, never a 500 with a traceback or, over socket.io, no reply at all.
    """
    logger.warning("Input checks failed on a request (%s: %.200r); refused as malformed",
                   type(error).__name__, str(error))
    return "the message could not be read"


async def _handle(on_new_message: OnNewMessage, message: Incoming, output: OutputChannel, channel: str) -> bool:
    """Hand the message to Rasa; False if that failed (logged with its traceback, as Rasa's channels do)."""
    try:
        with metrics.handling(channel):
            await on_new_message(UserMessage(message.text, output, message.sender,
                                             input_channel=channel, metadata=message.metadata))
        return True
    except Exception:
        logger.exception("Handling a message of conversation %s failed", message.sender)
        return False


def _bound_packets(webhook: Blueprint, sio: Any) -> None:
    """Take socket.io packets up to MAX_BODY_BYTES, as REST bodies, and let websockets end quietly.

    engine.io (1 MB) and Sanic's websockets (1 MiB) would otherwise drop the connection of a
    1 MB message and the chat with it. Sanic reads its websocket limit in the main process
    just after its `main_process_start` listeners (Rasa runs one worker, in that process).
    """
    sio.eio.max_http_buffer_size = MAX_BODY_BYTES

    @webhook.listener("main_process_start")
    async def size_websockets(app: Any, _: Any) -> None:
        app.config.WEBSOCKET_MAX_SIZE = max(app.config.WEBSOCKET_MAX_SIZE, MAX_BODY_BYTES + 1024)

    handle_request = sio.eio.handle_request

    async def handle_engineio_request(request: Request, *args: Any, **kwargs: Any) -> Any:
        try:
            return await handle_request(request, *args, **kwargs)
        except KeyError:
            # engine.io raises this for a poll on a session it is closing (e.g. after an oversized
            # packet); the client only needs to know the session is gone, as for an unknown one.
            return _error(400, "the session is closed")

    # A websocket that ended returns no response; Sanic 21.12 accepts that only from a handler
    # marked as a websocket's, and otherwise logs an error with a traceback for every closed chat.
    handle_engineio_request.is_websocket = True  # type: ignore[attr-defined]
    sio.eio.handle_request = handle_engineio_request


class RestInput(RasaRestInput):
    """POST /webhooks/rest/webhook with {"sender", "message", "metadata"}: the bot's replies as JSON."""

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        # Streamed so that the body can be refused after MAX_BODY_BYTES instead of read whole.
        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            assert request.stream is not None  # a stream=True route
            request.stream.request_max_size = MAX_BODY_BYTES
            try:
                await request.receive_body()
            except PayloadTooLarge:
                return _error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
            try:
                data = parse_body(request.body)
                message = incoming(data.get("sender"), data, data.get("metadata"))
            except InputError as error:
                return _error(400, str(error))
            except Exception as error:  # noqa: BLE001 (see _unexpected)
                return _error(400, _unexpected(error))
            collector = CollectingOutputChannel()
            try:
                task = QUEUES.submit(message.sender, lambda: _handle(on_new_message, message, collector, self.name()))
            except Busy as busy:
                return _error(429, str(busy), {"Retry-After": str(busy.retry_after)}, retry_after=busy.retry_after)
            # Shielded: a client that leaves does not stop the handling of its message.
            if not await asyncio.shield(task):
                return _error(500, "the message could not be handled")
            return response.json(collector.messages)

        return webhook


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel, whose `user_uttered` handler checks, cuts and queues the message."""

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # made by super().blueprint
        _bound_packets(webhook, sio)

        async def refuse(sid: str, error: dict[str, Any]) -> dict[str, Any]:
            await sio.emit(ERROR_EVENT, error, room=sid, namespace=self.namespace)
            return error

        decode_and_dispatch = sio.eio.handlers["message"]

        async def readable_packets(eio_sid: str, data: Any) -> None:
            # python-socketio lets a packet it can't decode or dispatch ("42[", "2[]", JSON nested
            # deeper than Python recurses...) out as a logged traceback, answering nothing. Event
            # handlers run as tasks of their own, so what is caught here is the packet's fault.
            try:
                await decode_and_dispatch(eio_sid, data)
            except Exception as error:  # noqa: BLE001 (any malformed client packet)
                namespace = self.namespace or "/"
                sid = sio.manager.sid_from_eio_sid(eio_sid, namespace)
                logger.info("Unreadable socket.io packet from %s refused: %s", sid, type(error).__name__)
                if sid:
                    await refuse(sid, {"error": "the packet is not valid socket.io JSON"})

        sio.eio.on("message", readable_packets)

        # The handlers below replace Rasa's (python-socketio keeps one handler per event).
        rasa_session_request = sio.handlers[self.namespace or "/"]["session_request"]

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, *args: Any) -> dict[str, Any] | None:
            data = args[0] if len(args) == 1 else (None if not args else args)
            try:
                if data is not None and not isinstance(data, dict):
                    raise InputError("the session request must be an object with `session_id` (or none)")
                if data is not None and data.get("session_id") is not None:
                    text_field(data, "session_id")
            except InputError as error:
                return await refuse(sid, {"error": str(error)})
            await rasa_session_request(sid, data)
            return None

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, *args: Any) -> dict[str, Any]:
            data = args[0] if len(args) == 1 else args  # a client may emit any number of arguments
            try:
                if not isinstance(data, dict):
                    raise InputError("the message must be an object with `message` and `session_id`")
                sender = data.get("session_id") if self.session_persistence else sid
                message = incoming(sender, data, data.get(self.metadata_key), sender_field="session_id")
            except InputError as error:
                return await refuse(sid, {"error": str(error)})
            except Exception as error:  # noqa: BLE001 (see _unexpected)
                return await refuse(sid, {"error": _unexpected(error)})
            output = SocketIOOutput(sio, self.bot_message_evt)
            try:
                QUEUES.submit(message.sender, lambda: _handle(on_new_message, message, output, self.name()))
            except Busy as busy:
                return await refuse(sid, {"error": str(busy), "retry_after": busy.retry_after})
            return {"ok": True}

        return webhook
