"""Settings: read from a mapping, local defaults, and production's refusal of local backends, empty or weak secrets,
plain http to remote hosts and unencrypted Redis."""
import pytest

from shared.adapters.redis_store import RedisConversations
from shared.config import LOCAL_SECRET, SECRET_VARS, Settings
from shared.errors import ConfigError

# Random-looking secrets of Meta's app-secret shape (32 hex characters); values only a test would use.
S1, S2, S3, S4, S5, S6, S7, S8 = (f"{n}f3a9c07d2b64e18a5d0c7b93e6f14a2"[:32] for n in range(1, 9))
PROD_OK = {
    "TUMBUH_ENV": "prod",
    "CLOUD_SQL_INSTANCE": "proj:asia-southeast2:tumbuh",
    "DB_USER": "tumbuh-fn@proj.iam",
    "DB_NAME": "tumbuh",
    "DB_IAM_AUTH": "true",
    "REDIS_URL": "rediss://:redis-auth-string@10.0.0.3:6378/0",
    "WHATSAPP_APP_SECRET": S1,
    "WHATSAPP_VERIFY_TOKEN": S2,
    "WHATSAPP_ACCESS_TOKEN": S3,
    "WHATSAPP_PHONE_NUMBER_ID": "1234567890",
    "WHATSAPP_API_URL": "https://graph.facebook.com/v21.0",
    "APPS_SCRIPT_URL": "https://script.google.com/macros/s/abc/exec",
    "APPS_SCRIPT_SECRET": S4,
    "SHEET_EDIT_SECRET": S7,
    "BACKUP_BUCKET": "gs://tumbuh-backups",
    "BACKUP_KEY": S5,
    "PSEUDONYM_KEY": S6,
    "DASHBOARD_KEY": S8,
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
                                  "BACKUP_KEY", "PSEUDONYM_KEY", "REDIS_URL", "APPS_SCRIPT_URL"])
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

    assert s.wa_app_secret == s.pseudonym_key == "" and LOCAL_SECRET not in repr(s)


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


def test_a_complete_staging_configuration_passes_and_picks_real_backends():
    """Staging is a deployment of its own: a complete mapping runs, on the platform too, with production's backends."""
    staging = dict(PROD_OK, TUMBUH_ENV="staging")

    s = Settings.from_env(dict(staging, K_SERVICE="tumbuh-webhook")).check()

    assert (s.env, s.messenger_backend, s.sheets_backend, s.blobs_backend, s.database_backend) == (
        "staging", "graph", "apps_script", "gcs", "cloud_sql")


@pytest.mark.parametrize("change", [
    {"WHATSAPP_APP_SECRET": ""},
    {"PSEUDONYM_KEY": "changeme-changeme-changeme-changeme"},
    {"WHATSAPP_API_URL": "http://127.0.0.1:8090/v21.0"},
    {"REDIS_URL": "redis://10.0.0.3:6379/0"},
    {"CLOUD_SQL_INSTANCE": "", "DATABASE_URL": "postgresql://u@127.0.0.1:5432/db"},
    {"TASKS_QUEUE": ""},
], ids=["empty-secret", "weak-secret", "standin", "plain-redis", "local-db", "no-queue"])
def test_staging_is_refused_exactly_as_production_is(change):
    """Every production refusal applies to staging, in the same words: no local defaults, no weak secrets."""
    bad = dict(PROD_OK, **change)

    staging = Settings.from_env(dict(bad, TUMBUH_ENV="staging")).problems()
    prod = Settings.from_env(dict(bad, TUMBUH_ENV="prod")).problems()

    assert staging and staging == prod
    with pytest.raises(ConfigError, match="TUMBUH_ENV=staging"):
        Settings.from_env(dict(bad, TUMBUH_ENV="staging")).check()


def test_staging_gets_no_local_placeholder_secrets():
    """Unset secrets stay empty in staging, as in prod, so a half-configured staging fails at cold start."""
    s = Settings.from_env({"TUMBUH_ENV": "staging"})

    assert s.wa_app_secret == s.pseudonym_key == "" and s.wa_api_url == "" and LOCAL_SECRET not in repr(s)
    with pytest.raises(ConfigError, match="WHATSAPP_APP_SECRET is empty"):
        s.check()


def test_secrets_never_appear_in_repr():
    """Logging settings cannot leak a secret or a database password."""
    s = Settings.from_env(dict(PROD_OK, DATABASE_URL="postgresql://u:hunter2@db:5432/x"))

    shown = repr(s)

    for secret in (S1, S2, S3, S4, S5, S6, "hunter2", "redis-auth-string"):
        assert secret not in shown


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


CLOUD_SQL_WITHOUT_SECRETS = {"CLOUD_SQL_INSTANCE": "proj:asia-southeast2:tumbuh", "DB_USER": "tumbuh-fn@proj.iam",
                             "DB_NAME": "tumbuh", "DB_IAM_AUTH": "true"}


def test_cloud_run_means_production_even_without_tumbuh_env():
    """K_SERVICE (set by Cloud Run and Cloud Functions) makes an unset TUMBUH_ENV production: no placeholder
    secret is filled in, and the missing ones stop the cold start."""
    env = dict(CLOUD_SQL_WITHOUT_SECRETS, K_SERVICE="tumbuh-webhook")

    s = Settings.from_env(env)
    with pytest.raises(ConfigError) as err:
        s.check()

    assert (s.env, s.wa_app_secret, s.db_migrate) == ("prod", "", False)
    assert "WHATSAPP_APP_SECRET is empty" in str(err.value) and "PSEUDONYM_KEY is empty" in str(err.value)


def test_a_complete_production_configuration_runs_on_cloud_run_without_tumbuh_env():
    """K_SERVICE alone is enough to be production; a complete configuration then passes."""
    env = {k: v for k, v in PROD_OK.items() if k != "TUMBUH_ENV"}

    s = Settings.from_env(dict(env, K_SERVICE="tumbuh-webhook")).check()

    assert s.env == "prod"


def test_local_on_cloud_run_is_refused_naming_both():
    """TUMBUH_ENV=local on the platform is a mistake, not a way to get the local defaults."""
    env = dict(PROD_OK, TUMBUH_ENV="local", K_SERVICE="tumbuh-webhook")

    with pytest.raises(ConfigError) as err:
        Settings.from_env(env).check()

    assert "TUMBUH_ENV=local" in str(err.value) and "K_SERVICE" in str(err.value)
    assert Settings.from_env({"TUMBUH_ENV": "local", "K_SERVICE": "x"}).wa_app_secret == ""


WEAK_SECRETS = [
    LOCAL_SECRET.upper(),
    "Local-Only-Not-A-Secret",
    f"prefix-{LOCAL_SECRET}-and-more-characters-0123",
    "s1",
    "3f9a7c2e5b1d8046",  # random but 16 characters
    "secret" * 6,
    "ChangeMe" * 4,
    "password" * 4,
    "test-token-test-token-test-token-1234",
    "1234567890" * 4,
    "a" * 40,
    "abcdefg" * 6,  # seven distinct characters
]


@pytest.mark.parametrize("name", SECRET_VARS)
@pytest.mark.parametrize("value", WEAK_SECRETS)
def test_production_refuses_weak_secrets_naming_the_variable_not_the_value(name, value):
    """Short, common or placeholder secrets (in any letter case) are refused; the message never repeats them."""
    with pytest.raises(ConfigError) as err:
        Settings.from_env(dict(PROD_OK, **{name: value})).check()

    assert name in str(err.value) and value not in str(err.value)


@pytest.mark.parametrize("name, value", [
    ("WHATSAPP_API_URL", "http://graph.facebook.com/v21.0"),
    ("APPS_SCRIPT_URL", "http://script.google.com/macros/s/abc/exec"),
    ("TASKS_API_URL", "http://cloudtasks.googleapis.com/v2"),
    ("TASKS_TARGET_URL", "http://tumbuh-sender.example.run.app/tasks/deliver"),
    ("WHATSAPP_API_URL", "http://127.attacker.example/v21.0"),  # looks like loopback, is not
])
@pytest.mark.parametrize("base", [{"DATABASE_URL": "postgresql://u@127.0.0.1:1/db", "REDIS_URL": "redis://127.0.0.1:1/0"},
                                  PROD_OK], ids=["local", "prod"])
def test_plain_http_to_another_machine_is_refused_everywhere(base, name, value):
    """Tokens and child data never cross a network in clear text, locally or in production."""
    with pytest.raises(ConfigError) as err:
        Settings.from_env(dict(base, **{name: value})).check()

    assert f"{name} uses plain http://" in str(err.value)


def test_plain_http_to_loopback_stays_allowed_locally():
    """The local stand-ins listen on loopback over plain http."""
    env = {"DATABASE_URL": "postgresql://u@127.0.0.1:1/db", "REDIS_URL": "redis://127.0.0.1:1/0",
           "TASKS_API_URL": "http://127.0.0.1:8091/v2", "TASKS_TARGET_URL": "http://localhost:8081/tasks/deliver",
           "APPS_SCRIPT_URL": "http://[::1]:9000/exec"}

    assert Settings.from_env(env).check().messenger_backend == "standin"


@pytest.mark.parametrize("url", [
    "redis://:redis-auth-string@10.0.0.3:6379/0",  # AUTH without TLS
    "rediss://10.0.0.3:6378/0",  # TLS without AUTH
    "redis://10.0.0.3:6379/0",
])
def test_production_redis_needs_tls_and_auth(url):
    """Conversation state holds names and birth dates: Memorystore is reached over TLS with its AUTH string."""
    with pytest.raises(ConfigError, match="REDIS_URL must be rediss://") as err:
        Settings.from_env(dict(PROD_OK, REDIS_URL=url)).check()

    assert "redis-auth-string" not in str(err.value)


def test_a_production_redis_url_builds_a_tls_pool_with_auth_and_the_ca():
    """RedisConversations passes the URL to redis-py's from_url, so TLS, AUTH and the CA file all take effect."""
    url = "rediss://:redis-auth-string@10.0.0.3:6378/0?ssl_ca_certs=/etc/memorystore-ca.pem&ssl_cert_reqs=required"

    pool = RedisConversations(url).client().connection_pool  # builds the pool; connects on first command only

    assert pool.connection_class.__name__ == "SSLConnection"
    assert {k: pool.connection_kwargs.get(k) for k in ("password", "port", "ssl_ca_certs", "ssl_cert_reqs")} == {
        "password": "redis-auth-string", "port": 6378, "ssl_ca_certs": "/etc/memorystore-ca.pem",
        "ssl_cert_reqs": "required"}


@pytest.mark.parametrize("env, expected", [
    ({}, True),  # local: every run applies its own migrations
    ({"DB_MIGRATE": "0"}, False),
    ({"TUMBUH_ENV": "prod"}, False),  # production: only the migrator identity does
    ({"TUMBUH_ENV": "prod", "DB_MIGRATE": "1"}, True),
    ({"K_SERVICE": "tumbuh-webhook"}, False),
])
def test_db_migrate_defaults_to_local_runs_only(env, expected):
    """Production instances apply migrations only when DB_MIGRATE says so."""
    assert Settings.from_env(env).db_migrate is expected


def test_pseudonym_key_has_a_local_default_and_stays_out_of_repr():
    """Locally the pseudonym key is the placeholder; its value never reaches repr."""
    s = Settings.from_env(dict(PROD_OK, TUMBUH_ENV="local"))

    assert Settings.from_env({}).pseudonym_key == LOCAL_SECRET
    assert S6 not in repr(s)


def test_each_service_needs_only_its_own_secrets_and_an_unknown_one_needs_all():
    """The webhook starts without the backup and Sheet secrets it is never given, never without its app secret;
    a service under another name is held to every secret."""
    webhook = {k: v for k, v in PROD_OK.items() if k not in ("BACKUP_KEY", "APPS_SCRIPT_SECRET")}

    Settings.from_env(dict(webhook, K_SERVICE="tumbuh-webhook")).check()
    with pytest.raises(ConfigError, match="WHATSAPP_APP_SECRET is empty"):
        Settings.from_env(dict(webhook, K_SERVICE="tumbuh-webhook", WHATSAPP_APP_SECRET="")).check()
    with pytest.raises(ConfigError, match="BACKUP_KEY is empty"):
        Settings.from_env(dict(webhook, K_SERVICE="tumbuh-webhook-2")).check()


def test_the_previous_sheet_edit_key_is_optional_read_when_set_and_kept_out_of_repr():
    """SHEET_EDIT_SECRET_PREVIOUS exists only while the edit key rotates: absent, production starts; set, it is read
    as given (no local default) and never shown."""
    rotating = Settings.from_env(dict(PROD_OK, K_SERVICE="tumbuh-webhook", SHEET_EDIT_SECRET_PREVIOUS=S1)).check()

    assert Settings.from_env(dict(PROD_OK, K_SERVICE="tumbuh-webhook")).check().sheet_edit_secret_previous == ""
    assert Settings.from_env({}).sheet_edit_secret_previous == ""
    assert rotating.sheet_edit_secret_previous == S1 and S1 not in repr(rotating)


@pytest.mark.parametrize("value", WEAK_SECRETS)
def test_production_refuses_a_weak_previous_sheet_edit_key(value):
    """While set, the previous key opens /sheet-edits as wide as the current one, so it is held to the same bar."""
    with pytest.raises(ConfigError) as err:
        Settings.from_env(dict(PROD_OK, SHEET_EDIT_SECRET_PREVIOUS=value)).check()

    assert "SHEET_EDIT_SECRET_PREVIOUS" in str(err.value) and value not in str(err.value)


def test_operator_alerts_need_their_token_only_once_an_operator_number_is_set():
    """ALERT_TOKEN is refused as empty only with OPERATOR_WA, and only where it is given (the webhook, or a service
    of unknown name); the numbers are read as a list and, like the token, never shown."""
    token = "9f3a9c07d2b64e18a5d0c7b93e6f14a2"
    on = dict(PROD_OK, OPERATOR_WA=" 0812-3456-7890 , +62 813 1111 2222,")

    Settings.from_env(dict(PROD_OK, K_SERVICE="tumbuh-webhook")).check()
    Settings.from_env(dict(on, K_SERVICE="tumbuh-scheduler")).check()
    for where in ({"K_SERVICE": "tumbuh-webhook"}, {}):
        with pytest.raises(ConfigError, match="ALERT_TOKEN is empty .needed with OPERATOR_WA"):
            Settings.from_env(dict(on, **where)).check()
    s = Settings.from_env(dict(on, K_SERVICE="tumbuh-webhook", ALERT_TOKEN=token)).check()

    assert s.operator_wa == ("0812-3456-7890", "+62 813 1111 2222") and s.alert_token == token
    assert token not in repr(s) and "0812-3456-7890" not in repr(s) and "813 1111" not in repr(s)
    assert Settings.from_env({}).alert_token == LOCAL_SECRET and Settings.from_env({}).operator_wa == ()
