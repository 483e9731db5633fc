"""Cloud Scheduler target (private, OIDC): the nightly backup. Thin; work lives in shared/."""
import functions_framework
from flask import Request

from shared import runtime
from shared.services import scheduled

_instance = runtime.Instance("backup")


@functions_framework.http
def backup(request: Request):
    """Run the nightly backup and answer a small JSON summary (503 asks Scheduler to retry)."""
    return _instance.guarded(request, scheduled.run_backup, on_bug=("failed", 500))
