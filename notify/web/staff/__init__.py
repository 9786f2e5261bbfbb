"""Staff workflow: announcements written, checked, previewed, approved (four eyes), sent, watched.

``router`` carries the JSON API (``/v1/announcements…``, ``/v1/audience``, ``/v1/deliveries``,
``/v1/templates``) and the pages (``/staff…``). The domain lives in ``notify.announcements``;
accounts in ``subscribers.staff`` (team, invitations and two-factor in ``subscribers.team`` and
``subscribers.totp``).
"""

import importlib

from fastapi import APIRouter

from notify.web.staff import api, pages, signin, team

router = APIRouter()
router.include_router(api.router)
router.include_router(signin.router)
router.include_router(team.router)
router.include_router(pages.router)
# The workspace's further parts; each is optional so a half-merged tree still starts.
for _name in ("deliveries", "test_send", "templates", "audience"):
    try:
        router.include_router(importlib.import_module(f"notify.web.staff.{_name}").router)
    except ModuleNotFoundError as exc:
        if exc.name != f"notify.web.staff.{_name}":
            raise
