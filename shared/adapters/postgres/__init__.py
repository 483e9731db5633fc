"""PostgreSQL through pg8000's public API: connections (and the prepared-statement cache), the migrations, and
the Records port.

- `connections`: connect locally or through the Cloud SQL connector, one connection per thread, query().
- `migrations`: the migration runner, the runtime and dashboard roles' grants, the audit log's purge.
- `records`: PostgresRecords and its unit of work.
- `staff_access`: PgStaffAccess, the dashboard's staff and their sessions.
- `dashboard`: PgDashboard, the dashboard's reads, each filtered by the signed-in person's Scope.
"""
from shared.adapters.postgres.connections import (Connect, Database, cloud_sql_connector, connector_for, query,
                                                  url_connector)
from shared.adapters.postgres.dashboard import PgDashboard
from shared.adapters.postgres.migrations import (DASHBOARD_ROLE, MIGRATIONS_DIR, RUNTIME_ROLE, Migration,
                                                 grant_dashboard, grant_runtime, load_migrations, migrate,
                                                 pending_migrations, purge_audit_log)
from shared.adapters.postgres.records import OUTBOX_LEASE_S, PgUnitOfWork, PostgresRecords
from shared.adapters.postgres.staff_access import PgStaffAccess

__all__ = [
    "DASHBOARD_ROLE", "MIGRATIONS_DIR", "OUTBOX_LEASE_S", "RUNTIME_ROLE", "Connect", "Database", "Migration",
    "PgDashboard", "PgStaffAccess", "PgUnitOfWork", "PostgresRecords", "cloud_sql_connector", "connector_for",
    "grant_dashboard", "grant_runtime", "load_migrations", "migrate", "pending_migrations", "purge_audit_log",
    "query", "url_connector",
]
