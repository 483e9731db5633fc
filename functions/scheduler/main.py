"""Cloud Scheduler and Cloud Tasks target (private, OIDC): reminders, outbox flush and Sheet reconcile, and the
sends the webhook hands off (POST /tasks/deliver). Thin; work lives in shared/."""
import functions_framework
from flask import Request

from shared import runtime
from shared.config import TASK_PATH
from shared.services import scheduled

_instance = runtime.Instance("scheduler")


@functions_framework.http
def scheduler(request: Request):
    """Run the scheduled work that is due, or a handed-off task, and answer a small JSON summary (503 asks
    Scheduler or Cloud Tasks to retry)."""
    if request.path.rstrip("/") == TASK_PATH:
        if request.method != "POST":
            return "method not allowed", 405
        body = request.get_json(silent=True)
        return _instance.guarded(request, lambda app: scheduled.run_task(app, body), on_bug=("failed", 500))
    return _instance.guarded(request, scheduled.run_due, on_bug=("failed", 500))
