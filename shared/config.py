"""Settings: the one place that reads configuration, from a mapping (os.environ in production, a dict in tests).

`Settings.check()` refuses, at cold start, a production configuration that points at a local backend, leaves a
secret empty or weak, or talks plain http to a remote host, naming everything that is wrong (never a value) in one
message; staging, a deployment too, is checked the same. Production is recognised from the platform too
(K_SERVICE), so a missing TUMBUH_ENV fails closed.
"""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import urlsplit

from shared.errors import ConfigError

LOCAL = "local"
PROD = "prod"
# A real deployment of its own (own project, secrets and WhatsApp test number or Graph sink) for load tests and
# rehearsals: checked exactly as production is.
STAGING = "staging"

# Local defaults: what `make run` and the tests use when a variable is unset. Never accepted in prod.
LOCAL_SECRET = "local-only-not-a-secret"
# Set by Cloud Run and by Cloud Functions (gen2, and gen1's newer runtimes) to the service's name: its presence
# means this runs in Google Cloud, whatever TUMBUH_ENV says.
PLATFORM_VAR = "K_SERVICE"
LOCAL_GRAPH_API_URL = "http://127.0.0.1:8090/v21.0"  # the local Graph API stand-in
LOCAL_PHONE_NUMBER_ID = "100000000000001"
LOCAL_DIR = ".run/local"  # local workbooks (one per posyandu) and backup folder
DEFAULT_TZ = "Asia/Jakarta"
CLOUD_TASKS_API_URL = "https://cloudtasks.googleapis.com/v2"  # REST base; `make run` points it at the stand-in
TASK_PATH = "/tasks/deliver"  # where the scheduler function takes handed-off sends (see services.scheduled)

def is_loopback(url: str) -> bool:
    """True when a URL points at this machine (a local stand-in), which production must never use."""
    host = urlsplit(url).hostname or ""
    if host in ("", "localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name such as 127.example.com is somebody else's machine
    return address.is_loopback or address.is_unspecified


# Secrets that guard something: a weak one lets a stranger forge webhooks, call the Sheet bridge, read backups
# or reverse the phone pseudonyms.
SECRET_VARS = ("WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_ACCESS_TOKEN", "APPS_SCRIPT_SECRET",
               "SHEET_EDIT_SECRET", "BACKUP_KEY", "PSEUDONYM_KEY", "DASHBOARD_KEY", "ALERT_TOKEN")
# Secrets needed only with the setting that turns their feature on, so refused as empty only with it (see
# _prod_problems): ALERT_TOKEN authenticates the operator alerts, which OPERATOR_WA turns on. Weak is refused always.
_CONDITIONAL_SECRETS = frozenset({"ALERT_TOKEN"})
# What each deployed service is given (deploy.sh's SECRETS_OF: one identity per function, each with only its own
# secrets); production refuses only those missing. A service not named here needs all, so a rename fails closed.
ALL_NEEDS = frozenset(SECRET_VARS) | {"REDIS_URL"}
_SCHEDULER_NEEDS = frozenset({"WHATSAPP_ACCESS_TOKEN", "APPS_SCRIPT_SECRET", "PSEUDONYM_KEY", "REDIS_URL"})
SERVICE_NEEDS = {
    # Also SHEET_EDIT_SECRET_PREVIOUS, optional: given only while the edit key rotates, so never refused when missing.
    "tumbuh-webhook": frozenset({"WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_ACCESS_TOKEN",
                                 "SHEET_EDIT_SECRET", "PSEUDONYM_KEY", "REDIS_URL", "ALERT_TOKEN"}),
    "tumbuh-scheduler": _SCHEDULER_NEEDS,
    "tumbuh-sender": _SCHEDULER_NEEDS,  # the scheduler's code behind the task queue
    "tumbuh-backup": frozenset({"BACKUP_KEY"}),
    # The dashboard signs its sessions and sends the sign-in code: nothing else.
    "tumbuh-dashboard": frozenset({"DASHBOARD_KEY", "WHATSAPP_ACCESS_TOKEN", "PSEUDONYM_KEY", "REDIS_URL"}),
}
MIN_SECRET_CHARS = 32  # Meta's app secret is 32 hex characters, the shortest real secret we are given
MIN_DISTINCT_CHARS = 8  # 32 random hex characters have ~14 distinct ones; fewer than 8 happens ~4e-8 of the time
_COMMON_WORDS = re.compile(r"secret|changeme|password|passwd|test|token|admin|qwerty|letmein|default")
_ASCENDING_DIGITS = "0123456789" * 12  # 1234567890123... of any length is a keyboard run, not a secret


def _weakness(value: str) -> str:
    """Why a production secret is too weak to use, or "" when it is not; never repeats the value."""
    lowered = value.lower()
    if LOCAL_SECRET in lowered:
        return "holds the local placeholder"
    if len(value) < MIN_SECRET_CHARS:
        return f"is shorter than {MIN_SECRET_CHARS} characters"
    rest = _COMMON_WORDS.sub("", re.sub(r"[^a-z0-9]", "", lowered))
    if len(set(lowered)) == 1 or rest in _ASCENDING_DIGITS:
        return "is a common value"
    if len(set(value)) < MIN_DISTINCT_CHARS:
        return f"has fewer than {MIN_DISTINCT_CHARS} distinct characters"
    return ""


_QUEUE = re.compile(r"projects/[^/\s]+/locations/[^/\s]+/queues/[^/\s]+")


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything Tumbuh is configured by; secrets are kept out of repr so they never reach a log."""

    env: str = LOCAL
    database_url: str = field(default="", repr=False)  # may carry a password
    cloud_sql_instance: str = ""
    db_user: str = ""
    db_name: str = ""
    db_iam_auth: bool = False
    db_password: str = field(default="", repr=False)
    redis_url: str = field(default="", repr=False)  # carries the Memorystore AUTH string in production
    wa_app_secret: str = field(default="", repr=False)
    wa_verify_token: str = field(default="", repr=False)
    wa_access_token: str = field(default="", repr=False)
    wa_phone_number_id: str = ""
    wa_api_url: str = ""
    apps_script_url: str = ""
    apps_script_secret: str = field(default="", repr=False)
    sheet_edit_secret: str = field(default="", repr=False)  # signs the kader edits the Sheet pushes to the webhook
    # The edit key being rotated out: a push signed with it is still taken while it is set (docs/operations.md).
    sheet_edit_secret_previous: str = field(default="", repr=False)
    sheet_dir: str = ""  # the local workbooks (one .xlsx per posyandu) when no Apps Script web app is configured
    sheet_reconcile_s: float = 3600  # how often each Sheet is compared with PostgreSQL (local: every scheduler run)
    send_rate_per_s: float = 80.0  # the scheduler's send pace (Meta's throughput per number; raise it when Meta does)
    sheets_api_url: str = ""  # the reconcile reads through the Sheets API (gspread) when set, else through the bridge
    # The identities that read the Sheets (the reconcile, the backup's export): setup shares each spreadsheet with them.
    sheets_reader_accounts: tuple[str, ...] = ()
    backup_bucket: str = ""
    backup_key: str = field(default="", repr=False)
    # Keys older backups were sealed with, kept after a rotation so they can still be verified and restored.
    backup_previous_keys: tuple[str, ...] = field(default=(), repr=False)
    storage_api_url: str = ""  # Cloud Storage's endpoint when not Google's (gcp-storage-emulator in tests)
    drive_api_url: str = ""  # Drive's endpoint when not Google's (the local stand-in); exports the Sheets
    pseudonym_key: str = field(default="", repr=False)  # keys wa_hash (shared.logs): the pseudonyms in logs and rows
    dashboard_key: str = field(default="", repr=False)  # signs the dashboard's session tokens, CSRF and login codes
    alert_token: str = field(default="", repr=False)  # in the URL of Cloud Monitoring's alert webhook (services.alerts)
    # The operators' WhatsApp numbers as typed (OPERATOR_WA, comma-separated; services.alerts normalises them): each
    # gets the alert policies' notifications. Empty: no operator alerts. Kept out of repr, as numbers never reach a log.
    operator_wa: tuple[str, ...] = field(default=(), repr=False)
    db_migrate: bool = True  # this instance applies database migrations at cold start (production: the migrator)
    platform_service: str = ""  # K_SERVICE: set on Cloud Run / Cloud Functions, meaning production
    tz_default: str = DEFAULT_TZ
    log_level: str = "INFO"
    gcp_project: str = ""
    # Cloud Tasks: the webhook hands slow sends (a result's growth chart) to the scheduler function through
    # this queue. Empty queue: the webhook draws them itself after the replies (local runs and tests).
    tasks_api_url: str = CLOUD_TASKS_API_URL
    tasks_queue: str = ""
    tasks_target_url: str = ""
    tasks_service_account: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from a mapping; unset values get local defaults only when TUMBUH_ENV is local and no
        cloud platform says otherwise (K_SERVICE set means production, even without TUMBUH_ENV)."""
        e = os.environ if environ is None else environ
        platform_service = (e.get(PLATFORM_VAR) or "").strip()
        env = (e.get("TUMBUH_ENV") or (PROD if platform_service else LOCAL)).strip().lower()
        local = env == LOCAL and not platform_service  # local on the platform is refused by check(), no defaults
        migrate = (e.get("DB_MIGRATE") or "").strip()

        def get(name: str, local_default: str = "") -> str:
            value = (e.get(name) or "").strip()
            return value or (local_default if local else "")

        return cls(
            env=env,
            database_url=get("DATABASE_URL"),
            cloud_sql_instance=get("CLOUD_SQL_INSTANCE"),
            db_user=get("DB_USER"),
            db_name=get("DB_NAME"),
            db_iam_auth=_flag(e.get("DB_IAM_AUTH")),
            db_password=get("DB_PASSWORD"),
            redis_url=get("REDIS_URL"),
            wa_app_secret=get("WHATSAPP_APP_SECRET", LOCAL_SECRET),
            wa_verify_token=get("WHATSAPP_VERIFY_TOKEN", LOCAL_SECRET),
            wa_access_token=get("WHATSAPP_ACCESS_TOKEN", LOCAL_SECRET),
            wa_phone_number_id=get("WHATSAPP_PHONE_NUMBER_ID", LOCAL_PHONE_NUMBER_ID),
            wa_api_url=get("WHATSAPP_API_URL", LOCAL_GRAPH_API_URL).rstrip("/"),
            apps_script_url=get("APPS_SCRIPT_URL"),
            apps_script_secret=get("APPS_SCRIPT_SECRET"),
            sheet_edit_secret=get("SHEET_EDIT_SECRET", LOCAL_SECRET),
            sheet_edit_secret_previous=get("SHEET_EDIT_SECRET_PREVIOUS"),
            sheet_dir=get("SHEET_DIR", LOCAL_DIR + "/sheets"),
            sheet_reconcile_s=float(get("SHEET_RECONCILE_S", "0") or 3600),
            sheets_api_url=get("SHEETS_API_URL").rstrip("/"),
            send_rate_per_s=float(get("SEND_RATE_PER_S") or 80),
            sheets_reader_accounts=tuple(a.strip() for a in get("SHEETS_READER_ACCOUNT").split(",") if a.strip()),
            backup_bucket=get("BACKUP_BUCKET", LOCAL_DIR + "/backups"),
            backup_key=get("BACKUP_KEY", LOCAL_SECRET),
            backup_previous_keys=tuple(k.strip() for k in get("BACKUP_PREVIOUS_KEYS").split(",") if k.strip()),
            storage_api_url=get("STORAGE_API_URL").rstrip("/"),
            drive_api_url=get("DRIVE_API_URL").rstrip("/"),
            pseudonym_key=get("PSEUDONYM_KEY", LOCAL_SECRET),
            dashboard_key=get("DASHBOARD_KEY", LOCAL_SECRET),
            alert_token=get("ALERT_TOKEN", LOCAL_SECRET),
            operator_wa=tuple(n.strip() for n in get("OPERATOR_WA").split(",") if n.strip()),
            db_migrate=_flag(migrate) if migrate else local,
            platform_service=platform_service,
            tz_default=get("TZ_DEFAULT") or DEFAULT_TZ,
            log_level=(get("LOG_LEVEL") or "INFO").upper(),
            gcp_project=get("GOOGLE_CLOUD_PROJECT") or get("GCP_PROJECT"),
            tasks_api_url=(get("TASKS_API_URL") or CLOUD_TASKS_API_URL).rstrip("/"),
            tasks_queue=get("TASKS_QUEUE").strip("/"),
            tasks_target_url=get("TASKS_TARGET_URL"),
            tasks_service_account=get("TASKS_SERVICE_ACCOUNT"),
        )

    # Which backend serves each cloud-only port; production must name the real one.
    @property
    def sheets_backend(self) -> str:
        """'apps_script' when a web-app URL is configured, else the local .xlsx workbook."""
        return "apps_script" if self.apps_script_url else "workbook"

    @property
    def blobs_backend(self) -> str:
        """'gcs' for a gs:// bucket, else a local folder."""
        return "gcs" if self.backup_bucket.startswith("gs://") else "dir"

    @property
    def messenger_backend(self) -> str:
        """'standin' when the Graph API URL points at this machine, else Meta's Graph API."""
        return "standin" if is_loopback(self.wa_api_url) else "graph"

    @property
    def tasks_backend(self) -> str:
        """'inline' without a queue (the webhook draws charts itself), 'standin' on loopback, else 'cloud_tasks'."""
        if not self.tasks_queue:
            return "inline"
        return "standin" if is_loopback(self.tasks_api_url) else "cloud_tasks"

    @property
    def database_backend(self) -> str:
        """'cloud_sql' through the connector when an instance is named, else a plain DATABASE_URL."""
        return "cloud_sql" if self.cloud_sql_instance else "url"

    @property
    def needs(self) -> frozenset[str]:
        """The secrets (and REDIS_URL) this instance must have: its service's own on the platform, else all."""
        return SERVICE_NEEDS.get(self.platform_service, ALL_NEEDS)

    def problems(self) -> list[str]:
        """Everything that stops this configuration from running, in words an operator can act on."""
        out: list[str] = []
        if self.env not in (LOCAL, STAGING, PROD):
            out.append(f"TUMBUH_ENV must be 'local', 'staging' or 'prod', not {self.env!r}")
            return out
        if self.env == LOCAL and self.platform_service:
            out.append(f"TUMBUH_ENV=local but {PLATFORM_VAR} is set (this runs on Cloud Run / Cloud Functions): "
                       "remove TUMBUH_ENV or set it to prod (or staging)")
        if self.database_backend == "cloud_sql":
            for name, value in (("DB_USER", self.db_user), ("DB_NAME", self.db_name)):
                if not value:
                    out.append(f"{name} is empty (needed with CLOUD_SQL_INSTANCE)")
            if not self.db_iam_auth and not self.db_password:
                out.append("DB_PASSWORD is empty and DB_IAM_AUTH is off: Cloud SQL needs one of them")
        elif not self.database_url:
            out.append("DATABASE_URL is empty (or set CLOUD_SQL_INSTANCE, DB_USER, DB_NAME)")
        if not self.redis_url and "REDIS_URL" in self.needs:
            out.append("REDIS_URL is empty")
        if self.tasks_queue:
            if not _QUEUE.fullmatch(self.tasks_queue):
                out.append("TASKS_QUEUE must look like projects/PROJECT/locations/REGION/queues/QUEUE")
            if not self.tasks_target_url.startswith(("https://", "http://")):
                out.append("TASKS_TARGET_URL must be the scheduler function's URL ending in " + TASK_PATH)
        urls = {"WHATSAPP_API_URL": self.wa_api_url, "APPS_SCRIPT_URL": self.apps_script_url,
                "SHEETS_API_URL": self.sheets_api_url, "STORAGE_API_URL": self.storage_api_url,
                "DRIVE_API_URL": self.drive_api_url,
                "TASKS_API_URL": self.tasks_api_url, "TASKS_TARGET_URL": self.tasks_target_url}
        out.extend(f"{name} uses plain http:// to another machine; use https://" for name, url in urls.items()
                   if urlsplit(url).scheme.lower() == "http" and not is_loopback(url))
        if self.env in (PROD, STAGING) or self.platform_service:
            out.extend(self._prod_problems())
        return out

    def _prod_problems(self) -> list[str]:
        out: list[str] = []
        secrets = {
            "WHATSAPP_APP_SECRET": self.wa_app_secret,
            "WHATSAPP_VERIFY_TOKEN": self.wa_verify_token,
            "WHATSAPP_ACCESS_TOKEN": self.wa_access_token,
            "WHATSAPP_PHONE_NUMBER_ID": self.wa_phone_number_id,
            "WHATSAPP_API_URL": self.wa_api_url,
            "APPS_SCRIPT_URL": self.apps_script_url,
            "APPS_SCRIPT_SECRET": self.apps_script_secret,
            "SHEET_EDIT_SECRET": self.sheet_edit_secret,
            "BACKUP_BUCKET": self.backup_bucket,
            "BACKUP_KEY": self.backup_key,
            "PSEUDONYM_KEY": self.pseudonym_key,
            "DASHBOARD_KEY": self.dashboard_key,
            "ALERT_TOKEN": self.alert_token,
        }
        out.extend(f"{name} is empty" for name, value in secrets.items()
                   if not value and name not in _CONDITIONAL_SECRETS
                   and (name not in SECRET_VARS or name in self.needs))
        if self.operator_wa and not self.alert_token and "ALERT_TOKEN" in self.needs:
            out.append("ALERT_TOKEN is empty (needed with OPERATOR_WA: it authenticates Cloud Monitoring's alerts)")
        weak = [f"{name} {_weakness(secrets[name])}" for name in SECRET_VARS
                if secrets[name] and _weakness(secrets[name])]  # an empty one is named above
        # Optional, so never named as empty; while set, it opens /sheet-edits as wide as the current key does.
        if self.sheet_edit_secret_previous and _weakness(self.sheet_edit_secret_previous):
            weak.append(f"SHEET_EDIT_SECRET_PREVIOUS {_weakness(self.sheet_edit_secret_previous)}")
        if weak:
            out.extend(weak + ["generate each secret at random, e.g. openssl rand -hex 32"])
        if self.database_url and is_loopback(self.database_url):
            out.append("DATABASE_URL points at this machine (local PostgreSQL); use Cloud SQL")
        if self.redis_url and is_loopback(self.redis_url):
            out.append("REDIS_URL points at this machine (local Redis); use Memorystore")
        redis = urlsplit(self.redis_url)
        if self.redis_url and (redis.scheme != "rediss" or not redis.password):
            # Conversation state holds names and birth dates: Memorystore's in-transit encryption and AUTH.
            out.append("REDIS_URL must be rediss://:AUTH@host:6378/0 (TLS and the Memorystore AUTH string)")
        if self.wa_api_url and self.messenger_backend == "standin":
            out.append("WHATSAPP_API_URL points at the local Graph API stand-in; use Meta's Graph API")
        if self.apps_script_url and is_loopback(self.apps_script_url):
            out.append("APPS_SCRIPT_URL points at this machine; use the deployed Apps Script web app")
        if not self.tasks_queue:
            out.append("TASKS_QUEUE is empty: the webhook would draw growth charts on Meta's time")
        elif self.tasks_backend == "standin" or is_loopback(self.tasks_target_url):
            out.append("TASKS_API_URL or TASKS_TARGET_URL points at this machine; use Cloud Tasks and the "
                       "scheduler function")
        if self.tasks_queue and not self.tasks_service_account:
            out.append("TASKS_SERVICE_ACCOUNT is empty: Cloud Tasks needs it to call the private scheduler")
        if self.backup_bucket and self.blobs_backend != "gcs":
            out.append("BACKUP_BUCKET is a local folder; use a gs:// bucket")
        for name, url in (("STORAGE_API_URL", self.storage_api_url), ("DRIVE_API_URL", self.drive_api_url)):
            if url and is_loopback(url):
                out.append(f"{name} points at this machine (a local stand-in); leave it empty for Google's")
        return out

    def check(self) -> "Settings":
        """Raise ConfigError naming every problem; return self when the configuration can run."""
        problems = self.problems()
        if problems:
            where = f"TUMBUH_ENV={self.env}"
            if self.platform_service:
                where += f" on {PLATFORM_VAR}={self.platform_service}"
            raise ConfigError(f"Tumbuh cannot start with {where}: " + "; ".join(problems) + ".")
        return self
