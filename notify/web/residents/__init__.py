"""Residents' self-service: subscribe, confirm (double opt-in), manage, unsubscribe, export, delete.

No accounts: every personal page is reached by a signed, expiring link (``notify.links``).
``router`` joins the JSON API (``api``), the pages (``flow``, ``pages``, ``leave_pages``) and the paper way
in (``paper``).
"""

from fastapi import APIRouter

from notify.web.residents import api, by_code, code_pages, flow, leave_pages, pages, paper

router = APIRouter()
router.include_router(paper.router)  # before the API: /v1/subscriptions/paper is not a token
router.include_router(api.router)
router.include_router(flow.router)
router.include_router(pages.router)
router.include_router(leave_pages.router)
router.include_router(by_code.router)  # /einstellungen: the short code from a letter
router.include_router(code_pages.router)  # a new code from the settings page

__all__ = ["router"]
