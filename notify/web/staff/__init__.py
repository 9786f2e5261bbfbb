"""Staff workflow: announcements written, checked, previewed, approved (four eyes), sent, watched.

``router`` carries the JSON API (``/v1/announcements…``, ``/v1/audience``, ``/v1/deliveries``,
``/v1/templates``) and the pages (``/staff…``). The domain lives in ``notify.announcements``;
accounts in ``subscribers.staff`` (team, invitations and two-factor in ``subscribers.team`` and
``subscribers.totp``); the workspace's parts each in a module of their own here.
"""

from fastapi import APIRouter

from notify.web.staff import (
    api,
    audience,
    city_system_pages,
    deliveries,
    pages,
    preview_pages,
    signin,
    team,
    templates,
    test_send,
    version_api,
    version_pages,
)

router = APIRouter()
router.include_router(api.router)
router.include_router(signin.router)
router.include_router(team.router)
router.include_router(pages.router)
router.include_router(preview_pages.router)
for part in (deliveries, test_send, templates, audience, city_system_pages):
    router.include_router(part.router)
router.include_router(version_pages.router)
router.include_router(version_api.router)
