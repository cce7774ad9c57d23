"""Routes of the partners' submissions: the JSON API (list, export, create, edit, submit,
moderate, visibility, versions) and the pages ``/bidrag`` and ``/bidrag/moderera`` (with
the forms ``/bidrag/{id}/moderera`` and ``/bidrag/{id}/synlighet``).

Included by :mod:`omradesbild.web.routes_partners` (same app requirements).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel

from omradesbild.errors import InputError
from omradesbild.partners import service
from omradesbild.partners.models import Role
from omradesbild.partners.service import Actor
from omradesbild.web.auth import DB, CurrentActor
from omradesbild.web.entries import _entry as area_entry
from omradesbild.web.routes_partners_common import (
    CSRF,
    Analyst,
    check_areas,
    form_error,
    if_match,
    page_lang,
    render,
    with_etag,
)
from omradesbild.web.validation import MAX_DB_ID, DbId, PathId, Text
from omradesbild.wording import text

router = APIRouter(tags=["partners"])


class SubmissionIn(BaseModel):
    kind: Text
    title: Text
    body: Text
    area_codes: list[Text] | Text
    theme: Text | None = None
    period: Text | None = None
    visibility: Text = "internal"
    submit: bool = False


class SubmissionForm(BaseModel):
    """The form of ``/bidrag``; ``action`` is ``submit`` or ``draft``."""

    kind: Text
    title: Text
    body: Text
    area_codes: Text
    theme: Text | None = None
    period: Text | None = None
    visibility: Text = "internal"
    action: Text = "submit"


class SubmissionPatch(BaseModel):
    #: The version the editor read (else the ``If-Match`` header); required.
    version: DbId | None = None
    kind: Text | None = None
    title: Text | None = None
    body: Text | None = None
    area_codes: list[Text] | Text | None = None
    theme: Text | None = None
    period: Text | None = None
    visibility: Text | None = None


class ModerationIn(BaseModel):
    decision: Literal["approve", "reject"]
    note: Text | None = None
    #: Who sees it once approved (``public``, ``internal``, ``restricted``); else the
    #: author's choice.
    visibility: Text | None = None
    #: The version the moderator reviewed (else the ``If-Match`` header); required.
    version: DbId | None = None


class VisibilityIn(BaseModel):
    visibility: Text
    #: The version the moderator read (else the ``If-Match`` header); required.
    version: DbId | None = None


class SubmitIn(BaseModel):
    #: The version the author read (else the ``If-Match`` header); optional.
    version: DbId | None = None


def _filters(
    area_code: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    theme: str | None = None,
    mine: bool = False,
) -> dict[str, Any]:
    """The filters of a listing or an export; a ``kind`` or ``status`` that no submission
    can have is a 422 naming the allowed values (never an empty list)."""
    from omradesbild.partners.models import Status, SubmissionKind
    from omradesbild.web.validation import unknown_value

    for field, value, enum in (("kind", kind, SubmissionKind), ("status", status, Status)):
        allowed = [v.value for v in enum]
        if value and value not in allowed:
            raise InputError(unknown_value(field, value, allowed), field=field)
    return {"area_code": area_code, "kind": kind, "status": status, "theme": theme, "mine": mine}


Filters = Annotated[dict[str, Any], Depends(_filters)]


def _attachment(name: str) -> str:
    return f'attachment; filename="{name}"'


# -- JSON API ---------------------------------------------------------------------------
@router.get("/api/submissions/export.csv")
def api_export_csv(db: DB, actor: CurrentActor, filters: Filters) -> Response:
    text = service.export_submissions(db, actor, fmt="csv", **filters)
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": _attachment("bidrag.csv")})  # fmt: skip


@router.get("/api/submissions/export.json")
def api_export_json(db: DB, actor: CurrentActor, filters: Filters) -> Response:
    text = service.export_submissions(db, actor, fmt="json", **filters)
    return Response(text, media_type="application/json",
                    headers={"Content-Disposition": _attachment("bidrag.json")})  # fmt: skip


@router.get("/api/submissions")
def api_list_submissions(
    db: DB,
    actor: CurrentActor,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_DB_ID)] = 0,
) -> list[dict[str, Any]]:
    return service.list_submissions(db, actor, limit=limit, offset=offset, **filters)


@router.post("/api/submissions", status_code=201, dependencies=[CSRF])
def api_create_submission(
    request: Request, db: DB, actor: CurrentActor, body: SubmissionIn
) -> dict[str, Any]:
    return service.create_submission(
        db, actor, known_areas=check_areas(request, body.area_codes), **body.model_dump()
    )


@router.get("/api/submissions/{submission_id}")
def api_get_submission(db: DB, actor: CurrentActor, submission_id: PathId) -> JSONResponse:
    """One submission; its ``version`` (also the ``ETag``) goes back with an edit or a
    moderation, which get 409 if the submission has changed since."""
    return with_etag(service.get_submission(db, actor, submission_id))


@router.patch("/api/submissions/{submission_id}", dependencies=[CSRF])
def api_update_submission(
    request: Request, db: DB, actor: CurrentActor, submission_id: PathId, body: SubmissionPatch
) -> JSONResponse:
    changes = body.model_dump(exclude_unset=True)
    changes.pop("version", None)
    known = check_areas(request, changes.get("area_codes") or [])
    return with_etag(service.update_submission(
        db, actor, submission_id, changes, known_areas=known,
        expected_version=if_match(request, body.version), require_version=True,
    ))  # fmt: skip


@router.post("/api/submissions/{submission_id}/submit", dependencies=[CSRF])
def api_submit_submission(
    request: Request,
    db: DB,
    actor: CurrentActor,
    submission_id: PathId,
    body: SubmitIn | None = None,
) -> JSONResponse:
    version = if_match(request, body.version if body is not None else None)
    return with_etag(service.submit_submission(db, actor, submission_id, expected_version=version))


@router.post("/api/submissions/{submission_id}/moderate", dependencies=[CSRF])
def api_moderate_submission(
    request: Request, db: DB, actor: CurrentActor, submission_id: PathId, body: ModerationIn
) -> JSONResponse:
    return with_etag(service.moderate_submission(
        db, actor, submission_id, decision=body.decision, note=body.note,
        visibility=body.visibility, expected_version=if_match(request, body.version),
        require_version=True,
    ))  # fmt: skip


@router.post("/api/submissions/{submission_id}/visibility", dependencies=[CSRF])
def api_set_visibility(
    request: Request, db: DB, actor: CurrentActor, submission_id: PathId, body: VisibilityIn
) -> JSONResponse:
    """Change who sees a moderated submission (analysts and admins, not their own)."""
    return with_etag(service.set_visibility(
        db, actor, submission_id, visibility=body.visibility,
        expected_version=if_match(request, body.version), require_version=True,
    ))  # fmt: skip


@router.get("/api/submissions/{submission_id}/versions")
def api_submission_versions(
    db: DB, actor: CurrentActor, submission_id: PathId
) -> list[dict[str, Any]]:
    return service.submission_versions(db, actor, submission_id)


# -- HTML pages -------------------------------------------------------------------------
#: Submissions per page of /bidrag (newest first; a link leads to older ones).
PAGE_ROWS = 25


def _listing(db: DB, actor: Actor | None, area_code: str = "", offset: int = 0) -> dict[str, Any]:
    """What ``/bidrag`` shows: a page of the submissions the actor may see (of
    ``area_code`` when given), the offset of the next older page and, for a contributor,
    the form."""
    rows = service.list_submissions(db, actor, area_code=area_code or None,
                                    limit=PAGE_ROWS + 1, offset=offset)  # fmt: skip
    return {
        "submissions": rows[:PAGE_ROWS], "actor": actor, "area_code": area_code,
        "can_create": actor is not None and actor.at_least(Role.CONTRIBUTOR),
        "offset": offset, "older": offset + PAGE_ROWS if len(rows) > PAGE_ROWS else None,
    }  # fmt: skip


@router.get("/bidrag", response_class=HTMLResponse)
def page_submissions(
    request: Request,
    db: DB,
    actor: CurrentActor,
    area_code: str | None = None,
    created: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_DB_ID)] = 0,
) -> HTMLResponse:
    context = {**_listing(db, actor, area_code or "", offset), "created": created, "error": None}
    return render(request, "partners/bidrag.html", {**context, "form": {}})


@router.post("/bidrag", response_class=HTMLResponse, dependencies=[CSRF])
def page_create_submission(
    request: Request, db: DB, actor: CurrentActor, form: Annotated[SubmissionForm, Form()]
) -> Response:
    fields = form.model_dump(exclude={"action"})
    try:
        known = check_areas(request, fields.get("area_codes") or [])
        sub = service.create_submission(db, actor, submit=form.action == "submit",
                                        known_areas=known, **fields)  # fmt: skip
    except InputError as exc:
        db.rollback()
        context = {**_listing(db, actor), "created": None, "error": form_error(request, exc)}
        return render(request, "partners/bidrag.html", {**context, "form": fields}, status_code=422)
    return RedirectResponse(f"/bidrag?created={sub['id']}", status_code=303)


#: Approved submissions listed on the moderation page for a change of visibility (newest).
APPROVED_ROWS = 50

#: What the moderation page confirms after a write (``?done=``): the catalogue key of each.
DONE = {"approve": "mod_done_approved", "reject": "mod_done_rejected",
        "visibility": "mod_done_visibility", "unchanged": "mod_done_unchanged"}  # fmt: skip


def _done_message(
    request: Request, db: DB, actor: Actor, done: str | None, sid: int | None
) -> str | None:
    """The sentence that confirms the last action, worded from the submission as it is now
    in the database (so it says what did happen)."""
    if done not in DONE or sid is None:
        return None
    lang = page_lang(request)
    sub = service.get_submission(db, actor, sid)
    vis = text(f"partner_visibility_{sub['visibility']}", lang).lower()
    return text(DONE[done], lang, title=sub["title"], visibility=vis)


@router.get("/bidrag/moderera", response_class=HTMLResponse)
def page_moderation(
    request: Request,
    db: DB,
    actor: Analyst,
    done: Annotated[str | None, Query(max_length=20)] = None,
    id: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
) -> HTMLResponse:
    """The submissions waiting for moderation, each shown as the area page will show it,
    and the approved ones whose visibility may be changed; after a write, what happened
    (``done``: one of :data:`DONE`, else a 422 naming them)."""
    if done and done not in DONE:
        from omradesbild.web.validation import unknown_value

        raise InputError(unknown_value("done", done, list(DONE)), field="done")
    waiting = [s for s in service.list_submissions(db, actor, status="submitted", limit=1000)
               if s["can_moderate"]]  # fmt: skip
    approved = [s for s in service.list_submissions(db, actor, status="approved",
                                                    limit=APPROVED_ROWS)
                if s["author_id"] != actor.id]  # fmt: skip
    return render(request, "partners/moderera.html", {
        "submissions": waiting, "approved": approved, "actor": actor,
        "preview": {s["id"]: preview_entry(s) for s in waiting},
        "done": _done_message(request, db, actor, done, id),
    })  # fmt: skip


def preview_entry(sub: dict[str, Any]) -> dict[str, Any]:
    """A submission as the area page's "partners' input" will show it once approved today
    (the entry of its first area)."""
    from omradesbild.partners.models import utcnow

    codes = sub.get("area_codes") or [""]
    return area_entry({**sub, "updated_at": utcnow().isoformat()}, str(codes[0]))


def _back(request: Request, done: str, sid: int, lang: str | None) -> RedirectResponse:
    """To the moderation page in the form's language (``lang``), confirming ``done``."""
    lang = lang if lang in ("sv", "en") else page_lang(request)
    return RedirectResponse(f"/bidrag/moderera?lang={lang}&done={done}&id={sid}", status_code=303)


@router.post("/bidrag/{submission_id}/moderera", dependencies=[CSRF])
def page_moderate(
    request: Request,
    db: DB,
    actor: Analyst,
    submission_id: PathId,
    decision: Annotated[Literal["approve", "reject"], Form()],
    version: Annotated[DbId | None, Form()] = None,
    note: Annotated[Text | None, Form()] = None,
    visibility: Annotated[Text | None, Form(max_length=16)] = None,
    lang: Annotated[Text | None, Form(max_length=2)] = None,
) -> Response:
    """Approve (with the chosen visibility) or reject; the change is committed before the
    redirect to the page that confirms it."""
    service.moderate_submission(db, actor, submission_id, decision=decision, note=note,
                                visibility=visibility or None, expected_version=version,
                                require_version=True)  # fmt: skip
    return _back(request, decision, submission_id, lang)


@router.post("/bidrag/{submission_id}/synlighet", dependencies=[CSRF])
def page_set_visibility(
    request: Request,
    db: DB,
    actor: Analyst,
    submission_id: PathId,
    visibility: Annotated[Text, Form(max_length=16)],
    version: Annotated[DbId | None, Form()] = None,
    lang: Annotated[Text | None, Form(max_length=2)] = None,
) -> Response:
    """Change who sees an approved submission; committed before the redirect."""
    before = service.get_submission(db, actor, submission_id)
    after = service.set_visibility(db, actor, submission_id, visibility=visibility,
                                   expected_version=version, require_version=True)  # fmt: skip
    done = "unchanged" if after["version"] == before["version"] else "visibility"
    return _back(request, done, submission_id, lang)
