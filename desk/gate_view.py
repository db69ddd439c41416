"""The publish gate in the desk: golden questions, the changes an edit would make, and trying a draft.

A content owner's save runs kb.gate first; when answers would change, the editor lists them and
the owner confirms (the confirmation names exactly that list: kb.gate.Report.token) or goes back.
Agents have no `kb` permission, so every route here refuses them (desk.auth.guard).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import redis
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from desk.auth import guard
from desk.kb_form import EntryForm
from desk.pages import render
from desk.services import Services, services
from kb.entry import Entry
from kb.gate import Outcome, Report, Trial, describe
from kb.golden import Golden, GoldenStore
from kb.history import Published, published, record_published
from kb.index import Hit
from kb.store import Snapshot

# Where a golden question form may send the owner back to (never another site).
BACK_TO = ("/desk/kb", "/desk/feedback")
MAX_TRY_BODY = 64_000  # bytes: a draft entry and a question


@dataclass(frozen=True)
class EntryGate:
    """What the editor shows of the gate for one entry: its golden questions and confirmed publishes."""

    golden: list[Golden]
    published: list[Published]


def entry_gate(client: redis.Redis, entry_id: str) -> EntryGate:
    return EntryGate(GoldenStore(client).of(entry_id), published(client, entry_id)[:5])


def entry_choices(svc: Services) -> list[tuple[str, str]]:
    """Every entry's id and title, by title: the choices of a golden question's entry."""
    return sorted(((i, e.title) for i, e in svc.kb.snapshot().entries.items()), key=lambda c: c[1].lower())


def check(svc: Services, snapshot: Snapshot, entry: Entry) -> Report:
    """What saving `entry` would change (runs in a thread: it encodes)."""
    return svc.gate.check(snapshot, {**snapshot.entries, entry.id: entry})


def confirmed(report: Report, posted: Any) -> bool:
    """Nothing to confirm, or the owner confirmed exactly this report."""
    return not report.changes or posted.get("confirm") == report.token()


def record(svc: Services, report: Report, version: int, entry_id: str, by: str) -> None:
    """Keep a confirmed publish with the version it made."""
    if report.changes:
        record_published(svc.redis, version, [entry_id], by, report.to_json())


def _back(raw: object) -> str:
    target = str(raw or "")
    return target if target.startswith(BACK_TO) and "//" not in target else "/desk/kb"


@guard("kb")
async def add_golden(request: Request) -> Response:
    """Save a golden question (from the entry page, a gap group or a conversation's questions)."""
    svc, posted = services(request), await request.form()
    entry_id = str(posted.get("entry", ""))
    if await asyncio.to_thread(svc.kb.get, entry_id) is None:
        return render(request, "error.html", {"title": "No such entry", "message": "Choose an existing entry."}, 400)
    try:
        await asyncio.to_thread(GoldenStore(svc.redis).add, str(posted.get("question", "")), entry_id,
                                request.state.user.name)
    except ValueError as error:
        return render(request, "error.html", {"title": "Not saved", "message": str(error)}, 400)
    return RedirectResponse(_back(posted.get("next")), status_code=303)


@guard("kb")
async def remove_golden(request: Request) -> Response:
    posted = await request.form()
    await asyncio.to_thread(GoldenStore(services(request).redis).remove, str(posted.get("question", "")))
    return RedirectResponse(_back(posted.get("next")), status_code=303)


def _says(outcome: Outcome, titles: dict[str, str]) -> str:
    """The decision as the editor's try panel words it."""
    if outcome.kind == "clarify":
        return "Offers a choice: " + " / ".join(titles.get(i, i) for i in outcome.choices)
    return describe(outcome, titles) if outcome.kind == "answer" else "Doesn't know"


def _side(outcome: Outcome, hits: tuple[Hit, ...], titles: dict[str, str]) -> dict[str, Any]:
    return {"decision": outcome.kind, "says": _says(outcome, titles),
            "hits": [{"id": h.entry_id, "title": titles.get(h.entry_id, h.entry_id), "score": round(h.score, 3)}
                     for h in hits]}


def _trial(svc: Services, form: EntryForm, question: str) -> tuple[Trial | None, list[str], dict[str, str]]:
    snapshot = svc.kb.snapshot()
    entry, problems = form.check(snapshot.entries)
    if entry is None:
        return None, problems, {}
    titles = {i: e.title for i, e in snapshot.entries.items()} | {entry.id: entry.title}
    return svc.gate.trial(snapshot, {**snapshot.entries, entry.id: entry}, question), [], titles


@guard("kb")
async def try_draft(request: Request) -> Response:
    """POST {question, ...the editor's fields}: the decision and top entries under the draft and live."""
    body = await request.body()
    try:
        posted = json.loads(body) if len(body) <= MAX_TRY_BODY else None
    except ValueError:
        posted = None
    if not isinstance(posted, dict) or not str(posted.get("question", "")).strip():
        return JSONResponse({"error": "Type a question to try."}, status_code=400)
    existing = request.path_params.get("entry_id")
    form = EntryForm.from_post(posted, existing)
    trial, problems, titles = await asyncio.to_thread(_trial, services(request), form, str(posted["question"])[:300])
    if problems:
        return JSONResponse({"error": "Fix the draft first: " + "; ".join(problems)}, status_code=400)
    if trial is None:
        return JSONResponse({"error": "The bot has not answered from this knowledge base yet: nothing to compare."},
                            status_code=409)
    return JSONResponse({"live": _side(trial.live, trial.live_hits, titles),
                         "draft": _side(trial.draft, trial.draft_hits, titles)})


routes = [
    Route("/desk/kb/golden", add_golden, methods=["POST"]),
    Route("/desk/kb/golden/remove", remove_golden, methods=["POST"]),
    Route("/desk/api/kb/try", try_draft, methods=["POST"]),
    Route("/desk/api/kb/entries/{entry_id}/try", try_draft, methods=["POST"]),
]
