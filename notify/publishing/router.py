"""The public archive's routes: pages, feeds, open data, feedback, and the staff's feedback view."""

from fastapi import APIRouter

from notify.publishing import api, dashboard, feedback, feeds, pages

router = APIRouter()
router.include_router(feeds.router)
router.include_router(pages.router)
router.include_router(api.router)
router.include_router(feedback.router)
router.include_router(dashboard.router)
