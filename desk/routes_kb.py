"""The content owners' pages: the entries, what each did (desk.outcomes_view), the editor, overlaps, and
what the KB could not answer.

A saved entry is written to the KB store in Redis at once: the bot's next question uses it, in
every replica, without retraining or a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk import gate_view
from desk.auth import guard
from desk.gaps_view import gap_rows, group_count, parse_ids
from desk.kb_form import EntryForm
from desk.outcomes_view import Chart, entry_chart, outcome_table, period
from desk.pages import render
from desk.review_view import review_duty
from desk.services import Services, services
from kb.gaps import GapLog
from kb.gate import Report
from kb.history import EntryHistory, Version
from kb.overlap import Overlap
from kb.store import Snapshot, StaleEdit, fingerprint

log = logging.getLogger("desk")
STALE = ("Someone changed this entry while you were editing it. Your text is below; compare it with theirs "
         "before saving again.")


def _overlaps(svc: Services, snapshot: Snapshot, only: str | None = None) -> tuple[list[Overlap], dict[str, str]]:
    """Overlapping pairs (all, or those of one entry: stored, updated for the edits since) and every entry's title."""
    return svc.overlaps.pairs(snapshot, only=only), {i: e.title for i, e in snapshot.entries.items()}


async def warm_up(svc: Services) -> None:
    """Bring the stored overlaps up to date at start-up (loading the model), so the first KB page is quick."""
    try:
        await asyncio.to_thread(lambda: _overlaps(svc, svc.kb.snapshot()))
        await asyncio.to_thread(lambda: svc.gate.warm(svc.kb.snapshot()))  # the fit, the questions' vectors
    except Exception:
        log.exception("could not prepare the overlap check and the publish gate")


@guard("kb")
async def entries(request: Request) -> Response:
    """Every entry by category, the overlapping pairs, how many questions wait unanswered, and each
    owner's review duty."""
    svc = services(request)
    snapshot = await asyncio.to_thread(svc.kb.snapshot)
    days, sort = period(request.query_params.get("days")), request.query_params.get("sort")
    (overlaps, titles), gap_groups, removed, outcomes, review = await asyncio.gather(
        asyncio.to_thread(_overlaps, svc, snapshot), asyncio.to_thread(group_count, svc.redis),
        asyncio.to_thread(EntryHistory(svc.redis).deleted),
        asyncio.to_thread(outcome_table, svc.redis, snapshot.entries, days, sort),
        asyncio.to_thread(review_duty, svc.redis, snapshot.entries.values()))
    listed = sorted(snapshot.entries.values(), key=lambda e: (e.category, e.title.lower()))
    return render(request, "kb.html", {"entries": listed, "overlaps": overlaps, "titles": titles,
                                        "gap_groups": gap_groups,
                                       "deleted": request.query_params.get("deleted"), "removed": removed,
                                       "outcomes": outcomes, "review": review})


@guard("kb")
async def gaps(request: Request) -> Response:
    """What customers asked that the KB could not answer, grouped by meaning."""
    rows, total = await asyncio.to_thread(gap_rows, services(request).redis)
    choices = await asyncio.to_thread(gate_view.entry_choices, services(request))  # for golden questions
    return render(request, "kb_gaps.html", {"rows": rows, "total": total, "done": request.query_params.get("done"),
                                            "entry_choices": choices})


@guard("kb")
async def gaps_handled(request: Request) -> Response:
    """A content owner dealt with a group (added or fixed an entry): its questions leave the list."""
    try:
        ids = parse_ids(str((await request.form()).get("ids", "")))
    except ValueError:
        return render(request, "error.html",
                      {"title": "Not understood", "message": "That list of questions was not valid."}, 400)
    removed = await asyncio.to_thread(GapLog(services(request).redis).remove, ids)
    return RedirectResponse(f"/desk/kb/gaps?done={removed}", status_code=303)


def _editor(request: Request, form: EntryForm, new: bool, problems: Sequence[str] = (), status: int = 200,
            overlaps: Sequence[Overlap] = (), titles: dict[str, str] | None = None,
            versions: Sequence[Version] = (), loaded: Version | None = None, chart: Chart | None = None,
            gate: Report | None = None, gate_info: gate_view.EntryGate | None = None) -> Response:
    return render(request, "kb_entry.html", {
        "form": form.fields(), "new": new, "problems": list(problems), "overlaps": list(overlaps),
        "titles": titles or {}, "saved": request.query_params.get("saved"), "versions": list(versions),
        "loaded": loaded, "chart": chart, "gate": gate, "gate_info": gate_info,
    }, status)


def _version(versions: list[Version], raw: str | None) -> Version | None:
    """The version picked by `?version=N` (0 is the latest), if any."""
    return versions[int(raw)] if raw and raw.isdigit() and int(raw) < len(versions) else None


def _no_entry(request: Request, entry_id: str) -> Response:
    return render(request, "error.html", {"title": "No such entry", "message": f"There is no entry '{entry_id}'."}, 404)


@guard("kb")
async def new_entry(request: Request) -> Response:
    """A blank entry; `?question=` (repeatable) pre-fills variants, e.g. from a group of gaps;
    `?restore=ID` fills in a deleted entry's last version."""
    restore = request.query_params.get("restore", "")
    versions = await asyncio.to_thread(EntryHistory(services(request).redis).versions, restore) if restore else []
    if versions:
        return _editor(request, EntryForm.from_entry(versions[0].entry, base=""), new=True, loaded=versions[0])
    return _editor(request, EntryForm(questions="\n".join(request.query_params.getlist("question"))), new=True)


@guard("kb")
async def edit_entry(request: Request) -> Response:
    """An entry in the editor, with the entries it overlaps."""
    svc = services(request)
    entry_id = request.path_params["entry_id"]
    snapshot = await asyncio.to_thread(svc.kb.snapshot)
    entry = snapshot.entries.get(entry_id)
    if entry is None:
        return _no_entry(request, entry_id)
    overlaps, titles = await asyncio.to_thread(_overlaps, svc, snapshot, entry_id)
    versions = await asyncio.to_thread(EntryHistory(svc.redis).versions, entry_id)
    # An earlier version is loaded into the form against the current one: saving brings it back.
    loaded = _version(versions, request.query_params.get("version"))
    form = EntryForm.from_entry(loaded.entry if loaded else entry, fingerprint(entry))
    chart = await asyncio.to_thread(entry_chart, svc.redis, entry_id, period(request.query_params.get("days")))
    gate_info = await asyncio.to_thread(gate_view.entry_gate, svc.redis, entry_id)
    return _editor(request, form, new=False, overlaps=overlaps, titles=titles, versions=versions, loaded=loaded,
                   chart=chart, gate_info=gate_info)


@guard("kb")
async def save_entry(request: Request) -> Response:
    """Create (at /new) or update an entry; any problem shows the form again with everything typed."""
    svc = services(request)
    new = "entry_id" not in request.path_params
    posted = await request.form()
    form = EntryForm.from_post(posted, None if new else request.path_params["entry_id"])
    if not new and not form.base:
        return _editor(request, form, new, [STALE], 409)
    snapshot = await asyncio.to_thread(svc.kb.snapshot)
    entry, problems = form.check(snapshot.entries)
    if entry is None:
        return _editor(request, form, new, problems, 400)
    # The publish gate: answers this would change are listed to confirm (or go back) before it takes effect.
    report = await asyncio.to_thread(gate_view.check, svc, snapshot, entry)
    if not gate_view.confirmed(report, posted):
        return _editor(request, form, new, status=409, gate=report, titles={
            **{i: e.title for i, e in snapshot.entries.items()}, entry.id: entry.title})
    try:
        version = await asyncio.to_thread(svc.kb.save_entry, entry, form.base, request.state.user.name)
        await asyncio.to_thread(gate_view.record, svc, report, version, entry.id, request.state.user.name)
    except StaleEdit:
        taken = "An entry with this id already exists; choose another id." if new else STALE
        return _editor(request, form, new, [taken], 409)
    return RedirectResponse(f"/desk/kb/entries/{quote(entry.id)}?saved=1", status_code=303)


@guard("kb")
async def delete_entry(request: Request) -> Response:
    """Remove an entry (confirmed, unchanged since read, and no other entry relates to it)."""
    svc = services(request)
    entry_id = request.path_params["entry_id"]
    posted = await request.form()
    snapshot = await asyncio.to_thread(svc.kb.snapshot)
    entry = snapshot.entries.get(entry_id)
    if entry is None:
        return _no_entry(request, entry_id)
    form = EntryForm.from_entry(entry, fingerprint(entry))
    referring = sorted(e.title for e in snapshot.entries.values() if entry_id in e.related)
    if referring:
        problem = f"Other entries name it as related: {', '.join(referring)}. Remove it there first."
        return _editor(request, form, False, [problem], 409)
    if posted.get("confirm") != "yes":
        return _editor(request, form, False, ["Tick the box to confirm the deletion."], 400)
    try:
        await asyncio.to_thread(svc.kb.delete_entry, entry_id, str(posted.get("base", "")), request.state.user.name)
    except StaleEdit:
        return _editor(request, form, False, ["Someone changed this entry meanwhile; check it before deleting."], 409)
    return RedirectResponse(f"/desk/kb?deleted={quote(entry.title)}", status_code=303)


routes = [
    Route("/desk/kb", entries),
    Route("/desk/kb/gaps", gaps),
    Route("/desk/kb/gaps/handled", gaps_handled, methods=["POST"]),
    Route("/desk/kb/entries/new", new_entry),
    Route("/desk/kb/entries/new", save_entry, methods=["POST"]),
    Route("/desk/kb/entries/{entry_id}", edit_entry),
    Route("/desk/kb/entries/{entry_id}", save_entry, methods=["POST"]),
    Route("/desk/kb/entries/{entry_id}/delete", delete_entry, methods=["POST"]),
    *gate_view.routes,
]
