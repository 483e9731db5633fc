"""The staff dashboard (public: its sign-in is the gate). Thin: the app lives in shared/dashboard/."""
import functions_framework
from flask import Request

from shared import runtime
from shared.config import Settings
from shared.dashboard import session, web

_instance = runtime.Instance("dashboard")
_web: dict = {}  # the Flask app, made on the first request of this warm instance


def _app(settings: Settings):
    if "app" not in _web:
        context = web.Context(ports=lambda: _instance.app().dashboard, keys=session.Keys.from_secret(
            settings.dashboard_key), tz=settings.tz_default, behind_proxy=bool(settings.platform_service))
        _web["app"] = web.create_app(context)
    return _web["app"]


@functions_framework.http
def dashboard(request: Request):
    """Every page of the dashboard; the body is read within the webhook's bounds before anything else."""
    return _instance.public(request, lambda settings, body: web.dispatch(_app(settings), request, body))
