"""Staff workflow: announcements written, checked, previewed, approved (four eyes), sent, watched.

``router`` carries the JSON API (``/v1/announcements…``, ``/v1/audience``) and the pages
(``/staff…``). The domain lives in ``notify.announcements``; accounts in ``subscribers.staff``.
"""

from fastapi import APIRouter

from notify.web.staff import api, pages, version_api, version_pages

router = APIRouter()
router.include_router(api.router)
router.include_router(pages.router)
router.include_router(version_pages.router)
router.include_router(version_api.router)
