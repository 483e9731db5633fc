"""Composition root: build_app(settings) → App. The ONLY place that picks concrete adapters.

Called once per warm instance by each entry point. It checks the configuration (production refuses local
backends and empty secrets at cold start), sets up JSON logging, connects lazily, and applies pending
database migrations once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from shared.adapters.cloud_tasks import CloudTasksQueue
from shared.adapters.postgres import Database, PostgresRecords, connector_for, migrate, pending_migrations
from shared.adapters.redis_store import RedisConversations
from shared.adapters.whatsapp_cloud import WhatsAppCloudMessenger
from shared.config import Settings
from shared.errors import TransientError
from shared.logs import setup_logging
from shared import __version__
from shared.ports import (BackupPorts, Conversations, DashboardPorts, Messenger, Ports, Records, SheetExporter,
                          SheetReader, SheetSync, TaskQueue)
from shared.services.delivery import Budget
from shared.services.inbound import handle_updates
from shared.services.health import check_health

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a function needs for one warm instance: settings and the adapters behind each port, typed by
    the port (what services may call), plus the database the schema's migrations run on."""

    settings: Settings
    records: Records
    conversations: Conversations
    messenger: Messenger
    database: Database  # the PostgreSQL behind records: migrations need its connections, not the port
    tasks: TaskQueue | None = None  # None: charts are drawn by the function that sends them
    sheets: SheetSync | None = None  # None: no Sheet configured (rows wait in the outbox)
    sheet_reader: SheetReader | None = None  # None: the reconcile reads through `sheets`
    backup_ports: BackupPorts | None = field(default=None, repr=False)  # made by the `backup` property
    dashboard_ports: DashboardPorts | None = field(default=None, repr=False)  # made by the `dashboard` property

    def ensure_schema(self) -> list[str]:
        """Apply pending migrations (DB_MIGRATE: local runs, the migrator) or, in production functions, only check
        that none is pending: their database role may not alter the schema, and code must not run on an older one.
        Pending migrations raise TransientError (503) until the migrator has run. Called once per warm instance,
        by runtime.Instance under its lock."""
        if self.settings.db_migrate:
            return migrate(self.database)
        pending = pending_migrations(self.database)
        if pending:
            raise TransientError("schema behind the code: run the migrator (pending: "
                                 + ", ".join(m.version for m in pending) + ")")
        return []

    def health(self) -> dict:
        """Whether PostgreSQL and Redis answer."""
        return check_health(self.records, self.conversations)

    def handle_updates(self, updates, now, started: float | None = None) -> dict:
        """Handle one webhook batch (statuses and messages) within its time budget, counted from `started` (the
        request's arrival on time.monotonic; default: now); see shared.services.conversation."""
        return handle_updates(self.ports, updates, now, Budget.starting(started))

    @property
    def backup(self) -> BackupPorts:
        """The backup's ports, made on first use: only the backup function (and its command) need them."""
        if self.backup_ports is None:
            self.backup_ports = build_backup(self.settings)
        return self.backup_ports

    @property
    def dashboard(self) -> DashboardPorts:
        """The dashboard's ports (sessions and scoped reads on the same PostgreSQL, codes in Redis), made on first
        use: only the dashboard function needs them. Its messenger sends the sign-in code template and nothing
        else (LoginCodeOnly)."""
        if self.dashboard_ports is None:
            from shared.adapters.login_code import LoginCodeOnly
            from shared.adapters.postgres import PgDashboard, PgStaffAccess
            from shared.adapters.redis_login import RedisLoginGuard
            from shared.services.staff_login import LOGIN_TEMPLATE

            self.dashboard_ports = DashboardPorts(access=PgStaffAccess(self.database), guard=RedisLoginGuard(
                self.settings.redis_url), messenger=LoginCodeOnly(self.messenger, LOGIN_TEMPLATE),
                reads=PgDashboard(self.database))
        return self.dashboard_ports

    @property
    def ports(self) -> Ports:
        """The ports the conversation services work through."""
        return Ports(self.records, self.conversations, self.messenger, self.settings.tz_default, self.tasks,
                     self.sheets, self.settings.sheet_reconcile_s, self.sheet_reader, self.settings.send_rate_per_s)


def build_sheets(s: Settings) -> SheetSync | None:
    """The posyandu spreadsheets: the Apps Script web app when its URL is set, else local workbooks (make run).
    Imported here, not at the top: the workbooks need openpyxl, a development dependency never deployed."""
    if s.sheets_backend == "apps_script":
        from shared.adapters.apps_script import AppsScriptBridge
        return AppsScriptBridge(s.apps_script_url, s.apps_script_secret)
    if not s.sheet_dir:
        return None
    from shared.adapters.sheet_workbook import WorkbookSheets
    return WorkbookSheets(s.sheet_dir)


def build_backup_store(s: Settings):
    """The sealed backup objects: Cloud Storage for a gs:// bucket (the client library imported only here), else a
    local folder (make run)."""
    from shared.adapters.sealed import Keys, SealedStore

    keys = Keys(s.backup_key, s.backup_previous_keys)
    if s.blobs_backend == "gcs":
        from shared.adapters.gcs import GcsBlobs
        return SealedStore(GcsBlobs(s.backup_bucket, s.storage_api_url, s.gcp_project), keys)
    from shared.adapters.blobs import DirBlobs
    return SealedStore(DirBlobs(s.backup_bucket), keys)


def build_exporter(s: Settings) -> SheetExporter | None:
    """Exports each posyandu's Sheet for the backup: Drive's files.export beside the Apps Script bridge, the local
    workbook's file beside `make run`'s workbooks, nothing when no Sheet is configured."""
    if s.sheets_backend == "apps_script":
        from shared.adapters.drive_export import DriveExporter
        return DriveExporter(s.drive_api_url)
    if not s.sheet_dir:
        return None
    from shared.adapters.sheet_workbook import WorkbookSheets
    return WorkbookSheets(s.sheet_dir)


def build_backup(s: Settings) -> BackupPorts:
    """The backup's ports: the sealed store, a PostgreSQL dump on connections of its own, the Sheet exporter."""
    from shared.adapters.postgres.dump import PgDump

    return BackupPorts(store=build_backup_store(s), dump=PgDump(connector_for(s)), exporter=build_exporter(s),
                       tz=s.tz_default, version=__version__)


class LazySheetReader:
    """The Sheets API reader (gspread, google-auth, requests), made at its first read: only the scheduler's
    reconcile reads, so the webhook's cold start never imports them."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self._reader: SheetReader | None = None

    def read_rows(self, spreadsheet_id: str, tab: str, columns: list[str]) -> list[dict]:
        if self._reader is None:
            from shared.adapters.sheets_api import SheetsApiReader
            self._reader = SheetsApiReader(self.base_url)
        return self._reader.read_rows(spreadsheet_id, tab, columns)


def build_app(settings: Settings | None = None) -> App:
    """Check the settings and wire the adapters; connections open on first use."""
    s = (settings or Settings.from_env()).check()
    setup_logging(s.log_level, pseudonym_key=s.pseudonym_key)
    connect = connector_for(s)
    # The same Graph API client serves production and the local stand-in: only WHATSAPP_API_URL differs.
    messenger = WhatsAppCloudMessenger(s.wa_api_url, s.wa_access_token, s.wa_phone_number_id)
    # Cloud Tasks in production, its local stand-in with `make run`: again the same client, another URL.
    tasks = CloudTasksQueue(s.tasks_api_url, s.tasks_queue, s.tasks_target_url, s.tasks_service_account,
                            auth=s.tasks_backend == "cloud_tasks") if s.tasks_queue else None
    records = PostgresRecords(connect)
    app = App(settings=s, records=records, conversations=RedisConversations(s.redis_url), messenger=messenger,
              database=records, tasks=tasks, sheets=build_sheets(s),
              sheet_reader=LazySheetReader(s.sheets_api_url) if s.sheets_api_url else None)
    log.info(
        "app built",
        extra={"ctx": {"env": s.env, "database": s.database_backend, "messenger": s.messenger_backend,
                       "sheets": s.sheets_backend, "blobs": s.blobs_backend,
                       "tasks": s.tasks_backend}},
    )
    return app
