"""The goals page ``/mal``: every goal of the city with its status, projection, interval
and plain verdict (the objects of :mod:`omradesbild.services.goal_picture`).

The goals are evaluated at the app's default level (``OMRADESBILD_LEVEL``) under the
area-type method (:data:`omradesbild.config.AREA_TYPE_METHOD`), whose classes the goals
count, and cached per store version, language and kommun.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from omradesbild.config import AREA_TYPE_METHOD
from omradesbild.services.goal_picture import EXAMPLE_GOALS, GoalsPicture, goals_picture
from omradesbild.web.cache import memo
from omradesbild.web.lagesbild import default_city, kommun_names
from omradesbild.web.views import get_data, get_lang, page

router = APIRouter()

#: A kommun code in the query (four digits in Sweden; the check against the store's
#: kommuner happens in the service).
KommunQuery = Annotated[str | None, Query(max_length=8, pattern=r"^[0-9A-Za-z]+$")]


def goals_for(request: Request, lang: str, kommun: str | None) -> GoalsPicture:
    """The :class:`GoalsPicture` of the app's default level, cached per store version; the
    kommun is ``kommun``, else ``OMRADESBILD_KOMMUN``, else the start page's default city."""
    data = get_data(request)
    settings = request.app.state.settings
    if not kommun:
        kommun = settings.kommun or default_city(data, settings.level, settings.version)

    def build() -> GoalsPicture:
        pic = data.picture(AREA_TYPE_METHOD, settings.level, settings.version)
        return goals_picture(pic, lang=lang, kommun=kommun)

    picture: GoalsPicture = memo(data, ("goals-page", settings.level, lang, kommun), build)
    return picture


@router.get("/mal", response_class=HTMLResponse, include_in_schema=False)
def goals_page(request: Request, kommun: KommunQuery = None) -> HTMLResponse:
    """Every goal with base, latest value, target, projection with its interval, verdict."""
    lang = get_lang(request)
    picture = goals_for(request, lang, kommun)
    names = kommun_names(get_data(request))
    return page(
        request, "mal.html", lang=lang, g=picture, goals_file=EXAMPLE_GOALS, kommun_names=names
    )


__all__ = ["goals_for", "router"]
