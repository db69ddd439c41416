"""Service notices: supervisors and content owners tell customers bad news early (notices.board).

A notice is posted for everyone or for some KB categories, with how many hours until it is
expected to be over; the bot tells it from the next message on. Agents see the notices in force
on their queue, so they know what customers are hearing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.auth import guard
from desk.kb_form import clean_text
from desk.pages import render
from desk.services import Services, services
from notices.board import MAX_HOURS, MAX_TEXT_CHARS, NoticeBoard, notice_problems

DONE = {"posted": "Posted: customers are told from their next message.", "changed": "Changed.",
        "ended": "Ended: the bot no longer tells it."}


@dataclass
class NoticeForm:
    """The form as typed (shown again, whole, when something is wrong)."""

    text: str = ""
    categories: list[str] = field(default_factory=list)
    hours: str = "4"

    @classmethod
    async def read(cls, request: Request) -> NoticeForm:
        posted = await request.form()
        return cls(clean_text(str(posted.get("text", ""))).strip(),
                   [str(c) for c in posted.getlist("categories")], str(posted.get("hours", "")).strip())

    def problems(self, known_categories: list[str]) -> list[str]:
        unknown = sorted(set(self.categories) - set(known_categories))
        return notice_problems(self.text, self.hours) + [f"There is no KB category “{c}” any more." for c in unknown]


def _categories(svc: Services) -> list[str]:
    """The KB's categories, which a notice may be about."""
    return sorted({entry.category for entry in svc.kb.snapshot().entries.values()})


async def _page(request: Request, form: NoticeForm, editing: str = "", problems: list[str] | None = None,
                status: int = 200) -> Response:
    svc = services(request)
    notices, categories = await asyncio.gather(asyncio.to_thread(NoticeBoard(svc.redis).all),
                                               asyncio.to_thread(_categories, svc))
    return render(request, "notices.html", {
        "notices": notices, "categories": categories, "form": form, "editing": editing, "problems": problems or [],
        "done": DONE.get(request.query_params.get("done", ""), ""), "max_chars": MAX_TEXT_CHARS, "max_hours": MAX_HOURS,
        "now": time.time(),
    }, status)


def _not_found(request: Request) -> Response:
    return render(request, "error.html",
                  {"title": "Not found", "message": "There is no such notice (it may have been over for a week)."}, 404)


@guard("notices")
async def notices(request: Request) -> Response:
    """The notices in force and recently over, and the form for a new one."""
    return await _page(request, NoticeForm())


async def _save(request: Request, notice_id: str = "") -> Response:
    """Post a new notice, or change `notice_id`; with a problem, the form comes back as typed."""
    form = await NoticeForm.read(request)
    svc = services(request)
    problems = form.problems(await asyncio.to_thread(_categories, svc))
    if problems:
        return await _page(request, form, editing=notice_id, problems=problems, status=400)
    board, by = NoticeBoard(svc.redis), request.state.user.name
    if not notice_id:
        await asyncio.to_thread(board.post, form.text, form.categories, float(form.hours), by)
        return RedirectResponse("/desk/notices?done=posted", status_code=303)
    changed = await asyncio.to_thread(board.change, notice_id, form.text, form.categories, float(form.hours), by)
    return RedirectResponse("/desk/notices?done=changed", status_code=303) if changed else _not_found(request)


@guard("notices")
async def post_notice(request: Request) -> Response:
    return await _save(request)


@guard("notices")
async def notice(request: Request) -> Response:
    """One notice in the form, to change its text, categories or estimate."""
    found = await asyncio.to_thread(NoticeBoard(services(request).redis).get, request.path_params["notice_id"])
    if found is None:
        return _not_found(request)
    hours_left = max(found.ends - time.time(), 0) / 3600
    form = NoticeForm(found.text, list(found.categories), f"{hours_left:.1f}".removesuffix(".0"))
    return await _page(request, form, editing=found.id)


@guard("notices")
async def change_notice(request: Request) -> Response:
    return await _save(request, request.path_params["notice_id"])


@guard("notices")
async def end_notice(request: Request) -> Response:
    ended = await asyncio.to_thread(NoticeBoard(services(request).redis).end, request.path_params["notice_id"],
                                    request.state.user.name)
    return RedirectResponse("/desk/notices?done=ended", status_code=303) if ended else _not_found(request)


routes = [
    Route("/desk/notices", notices),
    Route("/desk/notices", post_notice, methods=["POST"]),
    Route("/desk/notices/{notice_id}", notice),
    Route("/desk/notices/{notice_id}", change_notice, methods=["POST"]),
    Route("/desk/notices/{notice_id}/end", end_notice, methods=["POST"]),
]
