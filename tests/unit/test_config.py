"""Settings: read from a mapping, local defaults, and production's refusal of local backends and empty secrets."""
import pytest

from shared.config import LOCAL_SECRET, Settings
from shared.errors import ConfigError

PROD_OK = {
    "TUMBUH_ENV": "prod",
    "CLOUD_SQL_INSTANCE": "proj:asia-southeast2:tumbuh",
    "DB_USER": "tumbuh-fn@proj.iam",
    "DB_NAME": "tumbuh",
    "DB_IAM_AUTH": "true",
    "REDIS_URL": "redis://10.0.0.3:6379/0",
    "WHATSAPP_APP_SECRET": "s1",
    "WHATSAPP_VERIFY_TOKEN": "s2",
    "WHATSAPP_ACCESS_TOKEN": "s3",
    "WHATSAPP_PHONE_NUMBER_ID": "1234567890",
    "WHATSAPP_API_URL": "https://graph.facebook.com/v21.0",
    "APPS_SCRIPT_URL": "https://script.google.com/macros/s/abc/exec",
    "APPS_SCRIPT_SECRET": "s4",
    "SHEET_ID": "sheet",
    "BACKUP_BUCKET": "gs://tumbuh-backups",
    "BACKUP_KEY": "s5",
    "TASKS_QUEUE": "projects/proj/locations/asia-southeast2/queues/tumbuh-sends",
    "TASKS_TARGET_URL": "https://asia-southeast2-proj.cloudfunctions.net/tumbuh-scheduler/tasks/deliver",
    "TASKS_SERVICE_ACCOUNT": "scheduler-invoker@proj.iam.gserviceaccount.com",
}


def test_local_defaults_let_a_fresh_clone_run():
    """With only the two service URLs, local settings pass the check and pick every local backend."""
    s = Settings.from_env({"DATABASE_URL": "postgresql://u@127.0.0.1:55432/db", "REDIS_URL": "redis://127.0.0.1:1/0"})

    s.check()

    assert (s.env, s.messenger_backend, s.sheets_backend, s.blobs_backend, s.database_backend) == (
        "local", "standin", "workbook", "dir", "url")
    assert s.tz_default == "Asia/Jakarta"


def test_production_configuration_passes_and_picks_real_backends():
    """A complete production mapping is accepted and selects Cloud SQL, Graph API, Apps Script and GCS."""
    s = Settings.from_env(PROD_OK).check()

    assert (s.messenger_backend, s.sheets_backend, s.blobs_backend, s.database_backend) == (
        "graph", "apps_script", "gcs", "cloud_sql")


@pytest.mark.parametrize("name", ["WHATSAPP_APP_SECRET", "WHATSAPP_ACCESS_TOKEN", "APPS_SCRIPT_SECRET",
                                  "BACKUP_KEY", "REDIS_URL", "SHEET_ID"])
def test_production_refuses_an_empty_setting_and_names_it(name):
    """Every empty production setting is named in the cold-start error."""
    env = dict(PROD_OK, **{name: ""})

    with pytest.raises(ConfigError) as err:
        Settings.from_env(env).check()

    assert name in str(err.value)


@pytest.mark.parametrize("name,value", [
    ("WHATSAPP_API_URL", "http://127.0.0.1:8090/v21.0"),
    ("REDIS_URL", "redis://localhost:6379/0"),
    ("BACKUP_BUCKET", "/tmp/backups"),
    ("APPS_SCRIPT_URL", "http://127.0.0.1:9000/exec"),
])
def test_production_refuses_local_backends(name, value):
    """Production never starts against a stand-in, a local server or a local folder."""
    with pytest.raises(ConfigError) as err:
        Settings.from_env(dict(PROD_OK, **{name: value})).check()

    assert name in str(err.value)


def test_production_refuses_local_database_url_and_lists_all_problems_at_once():
    """One message names every problem, so an operator fixes them in one go."""
    env = {k: v for k, v in PROD_OK.items() if k not in ("CLOUD_SQL_INSTANCE", "BACKUP_KEY")}
    env["DATABASE_URL"] = "postgresql://u@127.0.0.1:5432/db"

    with pytest.raises(ConfigError) as err:
        Settings.from_env(env).check()

    assert "DATABASE_URL" in str(err.value) and "BACKUP_KEY" in str(err.value)


def test_production_gets_no_local_placeholder_secrets():
    """Unset secrets stay empty in prod instead of silently taking the local placeholder."""
    s = Settings.from_env({"TUMBUH_ENV": "prod"})

    assert s.wa_app_secret == "" and LOCAL_SECRET not in repr(s)


def test_cloud_sql_needs_user_name_and_auth():
    """Naming a Cloud SQL instance without user, database or auth is refused with each name."""
    env = dict(PROD_OK, DB_USER="", DB_IAM_AUTH="false")

    with pytest.raises(ConfigError) as err:
        Settings.from_env(env).check()

    assert "DB_USER" in str(err.value) and "DB_PASSWORD" in str(err.value)


def test_unknown_environment_is_refused():
    """A typo in TUMBUH_ENV does not fall back to local."""
    with pytest.raises(ConfigError, match="TUMBUH_ENV"):
        Settings.from_env({"TUMBUH_ENV": "production"}).check()


def test_secrets_never_appear_in_repr_or_redacted_view():
    """Logging settings cannot leak a secret or a database password."""
    s = Settings.from_env(dict(PROD_OK, DATABASE_URL="postgresql://u:hunter2@db:5432/x"))

    shown = repr(s) + str(s.redacted())

    for secret in ("s1", "s2", "s3", "s4", "s5", "hunter2"):
        assert f"'{secret}'" not in shown and f":{secret}@" not in shown
    assert s.redacted()["wa_app_secret"] == "set"


def test_without_a_queue_charts_are_drawn_inline_and_production_refuses_that():
    """Locally an empty TASKS_QUEUE means the webhook draws charts itself; production must hand them off."""
    local = Settings.from_env({"DATABASE_URL": "postgresql://u@127.0.0.1:1/db", "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert local.check().tasks_backend == "inline"
    assert Settings.from_env(PROD_OK).tasks_backend == "cloud_tasks"

    with pytest.raises(ConfigError, match="TASKS_QUEUE is empty"):
        Settings.from_env(dict(PROD_OK, TASKS_QUEUE="")).check()


@pytest.mark.parametrize("name, value, words", [
    ("TASKS_QUEUE", "tumbuh-sends", "TASKS_QUEUE must look like projects/"),
    ("TASKS_TARGET_URL", "", "TASKS_TARGET_URL must be the scheduler function's URL"),
    ("TASKS_API_URL", "http://127.0.0.1:8091/v2", "points at this machine"),
    ("TASKS_TARGET_URL", "http://localhost:8081/tasks/deliver", "points at this machine"),
    ("TASKS_SERVICE_ACCOUNT", "", "TASKS_SERVICE_ACCOUNT is empty"),
])
def test_a_bad_or_local_task_queue_is_refused_in_production(name, value, words):
    """Each Cloud Tasks setting is named when it is missing, malformed or local."""
    with pytest.raises(ConfigError, match=words):
        Settings.from_env(dict(PROD_OK, **{name: value})).check()
