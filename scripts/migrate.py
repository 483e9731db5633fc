"""The migrator: applies database migrations as the schema owner, lets the functions' database users in through
the runtime role (the dashboard's through the dashboard role), and removes audit entries past their retention.

    python -m scripts.migrate [--grant USER ...] [--grant-dashboard USER ...]

Production runs it as the Cloud Run job tumbuh-migrate (deploy.sh) before the functions deploy; its service
account is the only identity holding the migrator database user. The functions themselves run without
DB_MIGRATE and only check that nothing is pending. Database settings come from the environment as for the
functions (DATABASE_URL, or CLOUD_SQL_INSTANCE, DB_USER, DB_NAME, DB_IAM_AUTH); the users to grant from --grant
or RUNTIME_DB_USERS, and --grant-dashboard or DASHBOARD_DB_USERS (comma-separated; a user in both is refused).
Exits non-zero, naming the problem, when anything fails.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.adapters.postgres import (  # noqa: E402  (the path above makes the package importable)
    PostgresRecords, connector_for, grant_dashboard, grant_runtime, migrate, purge_audit_log)
from shared.config import Settings  # noqa: E402
from shared.errors import AppError, ConfigError  # noqa: E402
from shared.logs import setup_logging  # noqa: E402
from shared.services.retention import POLICY  # noqa: E402

log = logging.getLogger("tumbuh.migrate")


def audit_keep_days() -> int:
    """How long audit entries are kept, from the retention policy (the trigger of migration 0005 agrees)."""
    [rule] = [r for r in POLICY if r.kind == "audit_log"]
    assert rule.keep is not None, "the audit log is kept for a limited time"
    return rule.keep.days


def run(settings: Settings, users: list[str], dashboard_users: list[str] | None = None) -> dict:
    """Migrate, grant the runtime role to `users` and the dashboard role to `dashboard_users`, purge old audit
    entries; returns what was done."""
    dashboard_users = dashboard_users or []
    both = sorted(set(users) & set(dashboard_users))
    if both:  # the dashboard's user would lose the runtime role just granted: say so rather than pick one
        raise ConfigError("database users both runtime and dashboard: " + ", ".join(both))
    db = PostgresRecords(connector_for(settings))
    try:
        applied = migrate(db)
        grant_runtime(db, users)
        grant_dashboard(db, dashboard_users)
        purged = purge_audit_log(db, audit_keep_days())
    finally:
        db.discard()
    return {"applied": applied, "granted": len(users), "dashboard_granted": len(dashboard_users),
            "audit_purged": purged}


def _users(given: list[str] | None, variable: str) -> list[str]:
    """The users named on the command line, else in the comma-separated environment variable; blanks dropped."""
    users = given if given is not None else os.environ.get(variable, "").split(",")
    return [u.strip() for u in users if u.strip()]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grant", nargs="*", metavar="USER",
                        help="database users to make members of the runtime role (default: $RUNTIME_DB_USERS)")
    parser.add_argument("--grant-dashboard", nargs="*", metavar="USER",
                        help="database users to make members of the dashboard role only (default: "
                             "$DASHBOARD_DB_USERS)")
    args = parser.parse_args(argv)
    users = _users(args.grant, "RUNTIME_DB_USERS")
    dashboard_users = _users(args.grant_dashboard, "DASHBOARD_DB_USERS")
    # Only the database settings matter here: the migrator holds none of the functions' secrets, so the full
    # production check (which asks for them) does not apply.
    settings = Settings.from_env()
    setup_logging(settings.log_level)
    try:
        done = run(settings, users, dashboard_users)
    except AppError as exc:
        log.critical(f"migrator failed: {exc}")
        return 1
    log.info("migrator done", extra={"ctx": done})
    return 0


if __name__ == "__main__":
    sys.exit(main())
