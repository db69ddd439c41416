"""Per-message signals and the request-for-a-person detector, on hand-written messages."""

from __future__ import annotations


import pytest

from detection import wants_human
from detection.signals import message_signals


def kinds(text: str) -> set[str]:
    return {signal.kind for signal in message_signals(text)}


@pytest.mark.parametrize(
    "text",
    [
        "I want to speak to a human",
        "let me talk to a human",
        "agent please",
        "real person",
        "HUMAN!!",
        "Can I speak to someone please?",
        "is there a person I can chat with",
        "put me through to your manager",
        "transfer me to an operator",
        "get me a real agent now",
        "I don't want a bot, I want a person",
        "how do i tlak to a hyman agent",  # typos
        "i need to speak witth somebody",
        "connect me to a damn live agent",
        "I'd like to talk to a customer service representative",
        "could somebody from your team ring me tomorrow",
        "this chatbot is hopeless, real human please",
    ],
)
def test_requests_for_a_person(text: str) -> None:
    assert wants_human(text)


@pytest.mark.parametrize(
    "text",
    [
        "Can I speak to you about my refund?",
        "How do I add another person to my account?",
        "Can I collect the parcel in person?",
        "Please send the invoice to my manager",
        "Can someone else pick up my parcel?",
        "what time does customer service open",
        "I spoke to an agent yesterday and they promised a refund",
        "I don't need an agent, just the tracking link",
        "are you a real person?",  # a question about the bot
        "am I chatting with a human or a bot?",
        "where is my order?",
    ],
)
def test_not_requests_for_a_person(text: str) -> None:
    assert not wants_human(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'll take you to court",
        "I will sue you for this",
        "My lawyer will be in touch",
        "I'm taking legal action",
        "see you in small claims court",
        "I will report you to trading standards",
        "I'm going to the ombudsman",
    ],
)
def test_legal_threats(text: str) -> None:
    assert "legal" in kinds(text)


@pytest.mark.parametrize(
    "text",
    ["Is there a legal guarantee on this kettle?", "I need to use my voucher", "power of attorney form"],
)
def test_not_legal_threats(text: str) -> None:
    assert "legal" not in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "you are a f***ing idiot",
        "you idiot",
        "you stupid bot",
        "ur a moron",
        "f*** you",
        "shut up",
        "I know where you live",
        "I'm going to hurt you",
    ],
)
def test_abuse(text: str) -> None:
    assert "abuse" in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "this is f***ing ridiculous",
        "where is my bloody parcel",
        "your stupid website keeps logging me out",
        "this kettle is a piece of junk",
        "I ordered the clown costume for my son",
        "you will pay for the return postage?",
    ],
)
def test_not_abuse(text: str) -> None:
    assert "abuse" not in kinds(text)


@pytest.mark.parametrize(
    ("text", "detail_start"),
    [
        ("where is my damn refund", "swearing"),
        ("this is useless", "complaint"),
        ("I am fed up with waiting", "strong complaint"),
    ],
)
def test_frustrated_words(text: str, detail_start: str) -> None:
    details = [s.detail for s in message_signals(text) if s.kind == "words"]
    assert any(d.startswith(detail_start) for d in details)


@pytest.mark.parametrize(
    "text",
    ["WHERE IS MY PARCEL", "where is my parcel???", "Why has nobody replied?!", "hello!!!"],
)
def test_tone(text: str) -> None:
    assert "tone" in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "My PIN and IBAN are in the PDF",  # acronyms
        "Thank you so much!!!",  # enthusiasm
        "Is VAT included?",
        "Will it come on Tuesday?",
        "tell me a joke",
        "my code does not work",
    ],
)
def test_calm_messages_have_no_frustration(text: str) -> None:
    assert not kinds(text) & {"words", "tone"}

