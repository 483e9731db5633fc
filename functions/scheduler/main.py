"""Cloud Scheduler target (private, OIDC): reminders, outbox flush and Sheet reconcile. Thin; work lives in shared/."""
import functions_framework

from shared import runtime
from shared.services import scheduled

_instance = runtime.Instance("scheduler")


@functions_framework.http
def scheduler(request):
    """Run the scheduled work that is due and answer a small JSON summary (503 asks Scheduler to retry)."""
    return _instance.guarded(request, scheduled.run_due, on_bug=("failed", 500))
