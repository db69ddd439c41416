"""What the desk's routes share: settings, Redis, the handoff queue, contacts, users, Rasa, the KB."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from starlette.requests import Request

from customers.contacts import ContactHistory
from desk.sessions import SessionStore
from desk.throttle import LoginThrottle
from desk.users import UserStore
from handoff.queue import HandoffQueue
from infra.rasa_client import RasaClient
from infra.redis_client import connect
from infra.settings import Settings, rasa_token
from kb.encoder import Encoder
from kb.gate import Gate
from kb.overlap import OverlapChecker, QuestionVectors
from kb.retrieval_config import RetrievalConfig
from kb.store import KBStore


@dataclass
class Services:
    """One per app; routes reach it as `services(request)`."""

    settings: Settings
    redis: redis.Redis
    queue: HandoffQueue
    contacts: ContactHistory
    users: UserStore
    sessions: SessionStore
    throttle: LoginThrottle
    rasa: RasaClient
    kb: KBStore
    overlaps: OverlapChecker  # the overlap warnings, kept in Redis (the model loads on first use)
    gate: Gate  # the publish gate (kb.gate): the shared fit loads on first use

    @classmethod
    def create(cls, settings: Settings) -> Services:
        client = connect(settings.redis)
        encoder = Encoder(settings.embedding_model, settings.torch_threads)  # one model for both KB checks
        return cls(
            settings=settings, redis=client, queue=HandoffQueue(client), contacts=ContactHistory(client),
            users=UserStore(client), sessions=SessionStore(client), throttle=LoginThrottle(client),
            rasa=RasaClient(f"http://localhost:{settings.rasa_port}", rasa_token(settings)),
            kb=KBStore(client),
            overlaps=OverlapChecker(KBStore(client), QuestionVectors(encoder)),
            gate=Gate(KBStore(client), encoder, RetrievalConfig.load()),
        )


def services(request: Request) -> Services:
    """The app's shared services."""
    return request.app.state.services
