"""The web app's routes: the HTML pages and the JSON API."""

from __future__ import annotations

from fastapi import APIRouter

from omradesbild.web.routes import api, pages, tool_pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(tool_pages.router)
router.include_router(api.router)

__all__ = ["api", "pages", "router", "tool_pages"]
