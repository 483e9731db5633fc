"""deploy.sh, run against a copy of the repo: the gcloud commands it prints (dry-run) or runs (fake gcloud).

No cloud and no real gcloud here: a fake `gcloud` first on PATH records every call, so the dry-run can
prove it called nothing and a "real" run can prove it executes exactly what it prints.
"""
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.shell

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy.sh"
FUNCTIONS = {"webhook": "whatsapp_webhook", "scheduler": "scheduler", "backup": "backup", "dashboard": "dashboard"}
SECRET_VARS = ["WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_ACCESS_TOKEN", "APPS_SCRIPT_SECRET",
               "SHEET_EDIT_SECRET", "BACKUP_KEY", "PSEUDONYM_KEY", "DASHBOARD_KEY"]
DERIVED_SECRETS = ["tumbuh-redis-url", "tumbuh-redis-ca"]  # made from the Memorystore instance, not given
REDIS_CA_PATH = "/secrets/redis-ca/ca.pem"
AUTH_STRING = "5e1f0a2b-4c3d-4e5f-8a9b-0c1d2e3f4a5b"  # what the fake gcloud says the instance's AUTH string is


def sa(name: str) -> str:
    return f"{name}@tumbuh-test.iam.gserviceaccount.com"


def secret(var: str) -> str:
    return "tumbuh-" + var.lower().replace("_", "-")


# Who may read what: the public webhook never holds BACKUP_KEY; tumbuh-sender shares the scheduler's identity.
SECRETS_OF = {
    "tumbuh-webhook": {"WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_ACCESS_TOKEN", "SHEET_EDIT_SECRET",
                       "PSEUDONYM_KEY", "REDIS_URL", REDIS_CA_PATH},
    "tumbuh-scheduler": {"WHATSAPP_ACCESS_TOKEN", "APPS_SCRIPT_SECRET", "PSEUDONYM_KEY", "REDIS_URL", REDIS_CA_PATH},
    "tumbuh-backup": {"BACKUP_KEY"},
    "tumbuh-dashboard": {"DASHBOARD_KEY", "WHATSAPP_ACCESS_TOKEN", "PSEUDONYM_KEY", "REDIS_URL", REDIS_CA_PATH},
}
SECRET_OF_MOUNT = {REDIS_CA_PATH: "tumbuh-redis-ca"}
# The dry run shows operator alerts on WhatsApp (NOTIFY_WHATSAPP's placeholder): the webhook then also mounts the
# token of its /ops/alert route.
DRY_RUN_SECRETS_OF = {**SECRETS_OF, "tumbuh-webhook": SECRETS_OF["tumbuh-webhook"] | {"ALERT_TOKEN"}}
IDENTITY = {"tumbuh-webhook": sa("tumbuh-webhook"), "tumbuh-scheduler": sa("tumbuh-scheduler"),
            "tumbuh-sender": sa("tumbuh-scheduler"), "tumbuh-backup": sa("tumbuh-backup"),
            "tumbuh-dashboard": sa("tumbuh-dashboard")}
CONFIG = {
    "PROJECT_ID": "tumbuh-test",
    "WHATSAPP_PHONE_NUMBER_ID": "1234567890",
    "APPS_SCRIPT_URL": "https://script.google.com/macros/s/abc,def=/exec",  # comma and '=': must survive
}

# A stand-in for gcloud. Every call appends {"argv", "stdin", "files"} to $FAKE_GCLOUD_LOG: files holds what each
# --*-from-file=PATH argument's file said when gcloud read it (deploy.sh removes a channel's file once used).
#   FAKE_GCLOUD_MODE=forbid   fail loudly: nothing may call gcloud (dry-run)
#   FAKE_GCLOUD_MODE=present  every resource exists (describe/list print something)
#   FAKE_GCLOUD_MODE=absent   nothing exists yet (describe fails, list prints nothing)
# Every secret's newest version is 7, and its value (versions access) FAKE_SECRET_VALUE. FAKE_REDIS_TLS and
# FAKE_SQL_STATE change what the existing Memorystore and Cloud SQL instances report (in-transit encryption; public
# IP, point-in-time recovery, deletion protection); FAKE_DEPLOYED_ENV the existing functions' tumbuh-env label [prod].
FAKE_GCLOUD = """#!{python} -S
import json, os, sys
argv = sys.argv[1:]
stdin = sys.stdin.read() if "--data-file=-" in argv else None
files = {{}}
for a in argv:
    if a.startswith("--") and "-from-file=" in a:
        path = a.split("=", 1)[1]
        files[path] = open(path).read() if os.path.exists(path) else None
with open(os.environ["FAKE_GCLOUD_LOG"], "a") as log:
    log.write(json.dumps({{"argv": argv, "stdin": stdin, "files": files}}) + "\\n")
mode = os.environ.get("FAKE_GCLOUD_MODE", "forbid")
if mode == "forbid":
    sys.exit("FAKE GCLOUD CALLED IN DRY-RUN: " + " ".join(argv))
fmt = next((a for a in argv if a.startswith("--format=")), "")
# Looked up only after the create step, so they answer in both modes.
if "value(host)" in fmt:
    print("10.20.30.40")
elif "value(port)" in fmt:
    print("6378")
elif "value(transitEncryptionMode)" in fmt:
    print(os.environ.get("FAKE_REDIS_TLS", "SERVER_AUTHENTICATION"))
elif "value(authString)" in fmt:
    print("{auth}")
elif "serverCaCerts" in fmt:
    print("-----BEGIN CERTIFICATE-----\\nMIIFAKE\\n-----END CERTIFICATE-----")
elif "ipv4Enabled" in fmt:
    print(os.environ.get("FAKE_SQL_STATE", "False\\tTrue\\tTrue"))
elif argv[:3] == ["secrets", "versions", "list"]:
    print("projects/123456789012/secrets/" + argv[3] + "/versions/7")
elif argv[:3] == ["secrets", "versions", "access"]:
    print(os.environ.get("FAKE_SECRET_VALUE", ""))
elif "value(projectNumber)" in fmt:
    print("123456789012")
elif "labels.tumbuh-env" in fmt:
    print(os.environ.get("FAKE_DEPLOYED_ENV", "prod"))
elif "value(serviceConfig.uri)" in fmt:
    print("https://" + argv[2] + "-abc123-et.a.run.app")
elif "describe" in argv or "list" in argv or "list-configs" in argv:
    if mode == "absent":
        if "describe" in argv:
            sys.exit("ERROR: NOT_FOUND")
    else:
        print("projects/x/" + argv[-2])
"""


def _copy_repo(dst: Path) -> Path:
    """Just what deploy.sh reads; functions not written yet get a stub so this test does not wait on them."""
    dst.mkdir()
    shutil.copy2(DEPLOY, dst / "deploy.sh")
    shutil.copy2(REPO / "requirements.txt", dst / "requirements.txt")
    shutil.copytree(REPO / "shared", dst / "shared", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (dst / "scripts").mkdir()
    for name in ("__init__.py", "migrate.py"):
        shutil.copy2(REPO / "scripts" / name, dst / "scripts" / name)
    shutil.copytree(REPO / "monitoring", dst / "monitoring", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for fn in FUNCTIONS:
        (dst / "functions" / fn).mkdir(parents=True)
        src = REPO / "functions" / fn / "main.py"
        if src.exists():
            shutil.copy2(src, dst / "functions" / fn / "main.py")
        else:
            (dst / "functions" / fn / "main.py").write_text(f'"""stub {fn}"""\n')
    return dst


class Deploy:
    """A repo copy plus a fake gcloud, and a way to run deploy.sh in it."""

    def __init__(self, tmp_path: Path):
        self.root = _copy_repo(tmp_path / "repo")
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        fake = self.bin / "gcloud"
        fake.write_text(FAKE_GCLOUD.format(python=sys.executable, auth=AUTH_STRING))
        fake.chmod(fake.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        self.log = tmp_path / "gcloud-calls.jsonl"
        self.home = tmp_path / "home"
        self.home.mkdir()

    def run(self, *args: str, mode: str = "forbid", **env: str) -> subprocess.CompletedProcess:
        base = {
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "FAKE_GCLOUD_LOG": str(self.log),
            "FAKE_GCLOUD_MODE": mode,
            "IAM_SETTLE_SECONDS": "0",
        }
        return subprocess.run(
            ["bash", "deploy.sh", *args], cwd=self.root, env={**base, **env},
            capture_output=True, text=True, timeout=60,
        )

    def calls(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


def printed(stdout: str, prefix: str = "+ ") -> list[list[str]]:
    """The commands deploy.sh printed with this prefix, parsed back from their shell quoting."""
    return [shlex.split(line[len(prefix):]) for line in stdout.splitlines() if line.startswith(prefix)]


def flags(cmd: list[str]) -> dict[str, str | bool]:
    """--name=value -> {"--name": "value"}; a bare --flag -> {"--flag": True}."""
    out: dict[str, str | bool] = {}
    for arg in cmd:
        if arg.startswith("--"):
            name, sep, value = arg.partition("=")
            out[name] = value if sep else True
    return out


def find(cmds: list[list[str]], *words: str) -> list[list[str]]:
    """Commands that start with `gcloud <words…>`."""
    n = len(words)
    return [c for c in cmds if c[0] == "gcloud" and tuple(c[1:1 + n]) == words]


@pytest.fixture
def deploy(tmp_path):
    return Deploy(tmp_path)


class Ran:
    """A finished deploy.sh run (read-only for the tests that share it) and the repo copy it ran in."""

    def __init__(self, deploy: Deploy, result: subprocess.CompletedProcess):
        self.deploy, self.root, self.stdout, self.stderr = deploy, deploy.root, result.stdout, result.stderr


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    """One dry-run with the test configuration, shared by the tests that only read its output."""
    deploy = Deploy(tmp_path_factory.mktemp("dry-run"))
    result = deploy.run("--dry-run", **CONFIG)
    assert result.returncode == 0, result.stderr
    assert deploy.calls() == []
    return Ran(deploy, result)


@pytest.fixture(scope="module")
def rerun(tmp_path_factory):
    """One real run (fake gcloud) against a project where every resource already exists."""
    deploy = Deploy(tmp_path_factory.mktemp("rerun"))
    result = deploy.run(mode="present", **CONFIG)
    assert result.returncode == 0, result.stderr
    return Ran(deploy, result)


def test_dry_run_needs_no_gcloud_and_no_configuration(deploy):
    """With no settings at all, dry-run prints full commands for a placeholder project and calls nothing.

    The fake gcloud first on PATH fails loudly if touched; its call log stays empty.
    """
    result = deploy.run("--dry-run")

    assert result.returncode == 0, result.stderr
    assert deploy.calls() == []
    assert "FAKE GCLOUD CALLED" not in result.stdout + result.stderr
    cmds = printed(result.stdout)
    assert len(find(cmds, "functions", "deploy")) == 5
    assert all("--project=my-project" in c for c in cmds)


def test_every_printed_command_is_gcloud_with_an_explicit_project(dry_run):
    """The default project of whoever runs the script never decides where Tumbuh lands."""
    cmds = printed(dry_run.stdout) + printed(dry_run.stdout, "? ")

    assert cmds
    assert all(c[0] == "gcloud" and c[-1] == "--project=tumbuh-test" for c in cmds)


def test_five_gen2_http_functions_with_their_entry_points(dry_run):
    """Each function is deployed gen2, HTTP-triggered, from its own staged directory; tumbuh-sender is the
    scheduler's code again, scaled out for the tasks the webhook hands off."""
    deploys = {c[3]: flags(c) for c in find(printed(dry_run.stdout), "functions", "deploy")}

    assert sorted(deploys) == ["tumbuh-backup", "tumbuh-dashboard", "tumbuh-scheduler", "tumbuh-sender",
                               "tumbuh-webhook"]
    assert deploys["tumbuh-sender"]["--source"] == "build/scheduler"
    assert deploys["tumbuh-sender"]["--entry-point"] == "scheduler"
    assert int(deploys["tumbuh-sender"]["--max-instances"]) > 1
    for fn, entry_point in FUNCTIONS.items():
        f = deploys[f"tumbuh-{fn}"]
        assert f["--gen2"] is True and f["--trigger-http"] is True
        assert f["--runtime"] in {"python311", "python312"}
        assert f["--entry-point"] == entry_point
        assert f["--source"] == f"build/{fn}"
        assert f["--region"] == "asia-southeast2"


def test_only_the_webhook_and_the_dashboard_are_public(dry_run):
    """Meta must reach the webhook and staff the dashboard (its sign-in is the gate); scheduler and backup answer
    only OIDC-authenticated calls."""
    deploys = {c[3]: c for c in find(printed(dry_run.stdout), "functions", "deploy")}

    for fn in ("tumbuh-webhook", "tumbuh-dashboard"):
        assert "--allow-unauthenticated" in deploys[fn]
        assert "--no-allow-unauthenticated" not in deploys[fn]
    for fn in ("tumbuh-scheduler", "tumbuh-backup", "tumbuh-sender"):
        assert "--no-allow-unauthenticated" in deploys[fn]
        assert "--allow-unauthenticated" not in deploys[fn]


def test_private_functions_grant_invoker_to_their_callers_only(dry_run):
    """Cloud Scheduler's identity may invoke the scheduler and the backup; the identity Cloud Tasks' tokens carry
    may invoke tumbuh-sender and nothing else."""
    bindings = find(printed(dry_run.stdout), "functions", "add-invoker-policy-binding")

    assert sorted((c[3], flags(c)["--member"]) for c in bindings) == [
        ("tumbuh-backup", "serviceAccount:" + sa("tumbuh-invoker")),
        ("tumbuh-scheduler", "serviceAccount:" + sa("tumbuh-invoker")),
        ("tumbuh-sender", "serviceAccount:" + sa("tumbuh-tasks")),
    ]


def _set_secrets(cmd: list[str]) -> dict[str, str]:
    """--set-secrets of a deploy command: env var (or mounted file) -> secret:version."""
    return dict(item.split("=", 1) for item in flags(cmd)["--set-secrets"].split(","))


def test_functions_read_secrets_from_secret_manager(dry_run):
    """Every secret arrives via --set-secrets as tumbuh-<lowercase-dashed>:VERSION, never as a plain env var; the
    Redis CA arrives as a file at the path REDIS_URL names."""
    for cmd in find(printed(dry_run.stdout), "functions", "deploy"):
        for target, ref in _set_secrets(cmd).items():
            assert ref.rsplit(":", 1)[0] == SECRET_OF_MOUNT.get(target, secret(target))
        assert "--set-env-vars" not in flags(cmd)


def test_no_secret_is_pinned_to_latest(dry_run, rerun):
    """Each secret is pinned to the version number live at deploy time (looked up; the fake says 7), never
    :latest, so a new version reaches no instance until it is deployed on purpose."""
    for run, version in ((dry_run, "1"), (rerun, "7")):
        for cmd in find(printed(run.stdout), "functions", "deploy"):
            assert {ref.rsplit(":", 1)[1] for ref in _set_secrets(cmd).values()} == {version}, cmd[3]


def test_each_function_holds_only_its_own_secrets(dry_run):
    """The public webhook never holds BACKUP_KEY or the Sheet secret; the backup holds only BACKUP_KEY."""
    deploys = {c[3]: set(_set_secrets(c)) for c in find(printed(dry_run.stdout), "functions", "deploy")}

    assert deploys["tumbuh-webhook"] == DRY_RUN_SECRETS_OF["tumbuh-webhook"]
    assert "BACKUP_KEY" not in deploys["tumbuh-webhook"]
    assert deploys["tumbuh-scheduler"] == deploys["tumbuh-sender"] == SECRETS_OF["tumbuh-scheduler"]
    assert deploys["tumbuh-backup"] == SECRETS_OF["tumbuh-backup"]
    assert deploys["tumbuh-dashboard"] == SECRETS_OF["tumbuh-dashboard"]
    assert not {"WHATSAPP_APP_SECRET", "BACKUP_KEY", "APPS_SCRIPT_SECRET"} & deploys["tumbuh-dashboard"]


def test_each_function_runs_as_its_own_service_account(dry_run):
    """One identity per function (tumbuh-sender is the scheduler's code and shares its identity)."""
    deploys = {c[3]: flags(c)["--service-account"] for c in find(printed(dry_run.stdout), "functions", "deploy")}

    assert deploys == IDENTITY


def test_secret_access_is_granted_per_identity(dry_run):
    """Each identity may read exactly the secrets its functions mount, and nobody else's."""
    cmds = find(printed(dry_run.stdout), "secrets", "add-iam-policy-binding")
    granted = {(c[3], flags(c)["--member"].removeprefix("serviceAccount:")) for c in cmds}
    expected = {(SECRET_OF_MOUNT.get(target, secret(target)), IDENTITY[fn])
                for fn, targets in DRY_RUN_SECRETS_OF.items() for target in targets}

    assert granted == expected
    assert {flags(c)["--role"] for c in cmds} == {"roles/secretmanager.secretAccessor"}
    assert ("tumbuh-backup-key", sa("tumbuh-webhook")) not in granted


def test_functions_reach_memorystore_through_the_vpc_connector(dry_run):
    """Private ranges go through the connector; Meta and Google APIs stay on the direct path."""
    for cmd in find(printed(dry_run.stdout), "functions", "deploy"):
        f = flags(cmd)
        assert f["--vpc-connector"] == "projects/tumbuh-test/locations/asia-southeast2/connectors/tumbuh-conn"
        assert f["--egress-settings"] == "private-ranges-only"


def _env_file(root: Path, name: str = "tumbuh-webhook") -> dict[str, str]:
    """build/env.<name>.yaml, whose values deploy.sh writes as JSON-compatible double-quoted YAML strings."""
    out = {}
    for line in (root / "build" / f"env.{name}.yaml").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition(": ")
            out[key] = json.loads(value)
    return out


def test_plain_configuration_goes_in_an_env_vars_file(dry_run):
    """Values with commas survive because they travel in YAML, no secret is written there, and each function
    logs in to Cloud SQL as its own IAM user."""
    for cmd in find(printed(dry_run.stdout), "functions", "deploy"):
        fn = cmd[3]
        assert flags(cmd)["--env-vars-file"] == f"build/env.{fn}.yaml"
        env = _env_file(dry_run.root, fn)
        assert env["APPS_SCRIPT_URL"] == CONFIG["APPS_SCRIPT_URL"]
        assert env["TUMBUH_ENV"] == "prod" and env["TZ_DEFAULT"] == "Asia/Jakarta" and env["DB_IAM_AUTH"] == "true"
        assert env["CLOUD_SQL_INSTANCE"] == "tumbuh-test:asia-southeast2:tumbuh-pg"
        assert env["DB_USER"] == IDENTITY[fn].removesuffix(".gserviceaccount.com")
        assert env["WHATSAPP_API_URL"] == "https://graph.facebook.com/v21.0"
        assert env["BACKUP_BUCKET"].startswith("gs://")
        # The reconcile reads each posyandu's Sheet through the Sheets API as the scheduler's identity, and the
        # backup exports it through Drive as its own: setup shares every spreadsheet with both.
        assert (env["SHEETS_API_URL"], env["SHEETS_READER_ACCOUNT"]) == (
            "https://sheets.googleapis.com", f"{sa('tumbuh-scheduler')},{sa('tumbuh-backup')}")
        assert not set(env) & (set(SECRET_VARS) | {"REDIS_URL", "DB_MIGRATE"})


def test_scheduler_jobs_run_in_jakarta_time_with_oidc_and_retries(dry_run):
    """Both jobs POST with an OIDC token, Jakarta schedules, bounded deadlines and retries."""
    jobs = {c[5]: flags(c) for c in find(printed(dry_run.stdout), "scheduler", "jobs", "create", "http")}

    assert sorted(jobs) == ["tumbuh-backup-nightly", "tumbuh-scheduler-tick"]
    assert jobs["tumbuh-scheduler-tick"]["--schedule"] == "*/5 * * * *"
    assert jobs["tumbuh-scheduler-tick"]["--attempt-deadline"] == "300s"
    assert jobs["tumbuh-backup-nightly"]["--schedule"] == "0 2 * * *"
    assert jobs["tumbuh-backup-nightly"]["--attempt-deadline"] == "1800s"
    for f in jobs.values():
        assert f["--time-zone"] == "Asia/Jakarta"
        assert f["--oidc-service-account-email"] == "tumbuh-invoker@tumbuh-test.iam.gserviceaccount.com"
        assert f["--oidc-token-audience"] == f["--uri"]
        assert 1 <= int(f["--max-retry-attempts"]) <= 5  # Cloud Scheduler allows 0-5
        assert f["--http-method"] == "POST"


def test_the_webhook_hands_charts_to_tumbuh_sender_through_a_cloud_tasks_queue(dry_run):
    """The queue is created in Jakarta; the webhook may enqueue on it and act as the task identity (Cloud Tasks
    requires actAs on the identity whose OIDC token a task carries), which may invoke only tumbuh-sender; the
    configuration names the queue and tumbuh-sender's deterministic URL."""
    cmds = printed(dry_run.stdout)
    env = _env_file(dry_run.root)

    [queue] = find(cmds, "tasks", "queues", "create")
    [enqueue] = find(cmds, "tasks", "queues", "add-iam-policy-binding")
    [act_as] = find(cmds, "iam", "service-accounts", "add-iam-policy-binding")
    assert queue[4] == "tumbuh-sends" and flags(queue)["--location"] == "asia-southeast2"
    assert flags(enqueue)["--role"] == "roles/cloudtasks.enqueuer"
    assert flags(enqueue)["--member"] == "serviceAccount:" + sa("tumbuh-webhook")
    assert act_as[4] == sa("tumbuh-tasks")
    assert flags(act_as)["--member"] == "serviceAccount:" + sa("tumbuh-webhook")
    assert flags(act_as)["--role"] == "roles/iam.serviceAccountUser"
    assert env["TASKS_QUEUE"] == "projects/tumbuh-test/locations/asia-southeast2/queues/tumbuh-sends"
    assert env["TASKS_TARGET_URL"] == "https://tumbuh-sender-000000000000.asia-southeast2.run.app/tasks/deliver"
    assert env["TASKS_SERVICE_ACCOUNT"] == sa("tumbuh-tasks")


def test_the_webhook_cannot_act_as_the_scheduler_invoker(dry_run):
    """Acting as tumbuh-invoker would let the public function mint calls to the backup: nobody is granted it."""
    act_as = find(printed(dry_run.stdout), "iam", "service-accounts", "add-iam-policy-binding")

    assert [c[4] for c in act_as] == [sa("tumbuh-tasks")]


def test_infrastructure_is_created_when_absent(dry_run):
    """A fresh project gets Cloud SQL with IAM auth, its IAM user, Memorystore and the VPC connector."""
    cmds = printed(dry_run.stdout)

    [sql] = find(cmds, "sql", "instances", "create")
    assert flags(sql)["--database-version"] == "POSTGRES_15"
    assert flags(sql)["--database-flags"] == "cloudsql.iam_authentication=on"
    assert flags(sql)["--region"] == "asia-southeast2"
    users = find(cmds, "sql", "users", "create")
    assert sorted(u[4] for u in users) == [f"tumbuh-{n}@tumbuh-test.iam" for n in ("backup", "dashboard", "migrator",
                                                                                 "scheduler", "webhook")]
    assert {flags(u)["--type"] for u in users} == {"cloud_iam_service_account"}
    assert find(cmds, "sql", "databases", "create")
    [redis] = find(cmds, "redis", "instances", "create")
    assert flags(redis)["--redis-version"] == "redis_7_0"
    assert find(cmds, "compute", "networks", "vpc-access", "connectors", "create")
    assert find(cmds, "services", "enable")


def test_identities_get_only_the_project_roles_they_need(dry_run):
    """Cloud SQL client and IAM login project-wide, for the identities that use the database and nothing else."""
    cmds = find(printed(dry_run.stdout), "projects", "add-iam-policy-binding")

    granted = {(flags(c)["--member"].removeprefix("serviceAccount:"), flags(c)["--role"]) for c in cmds}
    assert granted == {(sa(name), role) for name in ("tumbuh-webhook", "tumbuh-scheduler", "tumbuh-backup",
                                                     "tumbuh-dashboard", "tumbuh-migrator")
                       for role in ("roles/cloudsql.client", "roles/cloudsql.instanceUser")}


def test_only_the_backup_may_write_to_the_bucket_and_the_webhook_has_no_storage_role(dry_run):
    """The backup may use objects of its bucket only (write, read its manifests back, prune), deletions stay
    recoverable for 7 days (soft delete), and no other identity gets any storage role."""
    cmds = printed(dry_run.stdout)

    [bucket] = find(cmds, "storage", "buckets", "add-iam-policy-binding")
    [created] = find(cmds, "storage", "buckets", "create")
    assert flags(bucket)["--member"] == "serviceAccount:" + sa("tumbuh-backup")
    assert flags(bucket)["--role"] == "roles/storage.objectUser"
    assert flags(created)["--soft-delete-duration"] == "7d" and "--public-access-prevention" in created
    assert not [c for c in cmds if "storage" in " ".join(c) and sa("tumbuh-webhook") in " ".join(c)]


def test_memorystore_requires_auth_and_tls(dry_run):
    """Conversation state holds names and birth dates: the instance is created with AUTH and in-transit
    encryption, and the URL the functions get (a secret) is rediss:// with the AUTH string and the CA file."""
    [redis] = find(printed(dry_run.stdout), "redis", "instances", "create")

    assert flags(redis)["--enable-auth"] is True
    assert flags(redis)["--transit-encryption-mode"] == "server-authentication"


def test_an_existing_memorystore_without_tls_stops_the_deploy(deploy):
    """In-transit encryption can only be chosen when an instance is created: say so instead of deploying."""
    result = deploy.run(mode="present", FAKE_REDIS_TLS="DISABLED", **CONFIG)

    assert result.returncode != 0
    assert "in-transit encryption" in result.stderr
    assert not [c for c in deploy.calls() if c["argv"][:2] == ["functions", "deploy"]]


def test_cloud_sql_has_no_public_ip_and_keeps_point_in_time_backups(dry_run):
    """Private IP only (on the VPC, through private services access), automated backups with point-in-time
    recovery, and deletion protection."""
    cmds = printed(dry_run.stdout)

    [sql] = find(cmds, "sql", "instances", "create")
    f = flags(sql)
    assert f["--no-assign-ip"] is True and "--assign-ip" not in f
    assert f["--network"] == "projects/tumbuh-test/global/networks/default"
    assert f["--enable-point-in-time-recovery"] is True and f["--backup-start-time"]
    assert f["--deletion-protection"] is True
    assert find(cmds, "services", "vpc-peerings", "connect")


def test_an_existing_cloud_sql_instance_with_a_public_ip_is_patched(deploy):
    """An instance created before keeps no public IP: deploy patches it to the same safety settings."""
    result = deploy.run(mode="present", FAKE_SQL_STATE="True\tTrue\tFalse", **CONFIG)

    assert result.returncode == 0, result.stderr
    [patch] = [c["argv"] for c in deploy.calls() if c["argv"][:3] == ["sql", "instances", "patch"]]
    assert {"--no-assign-ip", "--enable-point-in-time-recovery", "--deletion-protection"} <= set(patch)


def test_migrations_run_as_their_own_job_before_any_function_deploys(dry_run):
    """The tumbuh-migrate job, as the only identity holding the migrator database user, migrates and lets the
    functions' users in (the dashboard's through its own role); it finishes (--wait) before the first function
    deploys, and functions never migrate."""
    cmds = printed(dry_run.stdout)
    index = {id(c): i for i, c in enumerate(cmds)}

    [job] = find(cmds, "run", "jobs", "deploy")
    [execute] = find(cmds, "run", "jobs", "execute")
    first_function = min(index[id(c)] for c in find(cmds, "functions", "deploy"))
    assert index[id(job)] < index[id(execute)] < first_function
    assert job[4] == execute[4] == "tumbuh-migrate" and flags(execute)["--wait"] is True
    assert flags(job)["--service-account"] == sa("tumbuh-migrator")
    assert flags(job)["--source"] == "build/migrate"
    env = _env_file(dry_run.root, "tumbuh-migrate")
    assert env["DB_USER"] == "tumbuh-migrator@tumbuh-test.iam" and env["DB_MIGRATE"] == "true"
    assert sorted(env["RUNTIME_DB_USERS"].split(",")) == [f"tumbuh-{n}@tumbuh-test.iam"
                                                          for n in ("backup", "scheduler", "webhook")]
    # The public dashboard reads, and writes only its sign-ins, audit entries and staff: the dashboard role alone.
    assert env["DASHBOARD_DB_USERS"].split(",") == ["tumbuh-dashboard@tumbuh-test.iam"]
    [owner] = find(cmds, "sql", "users", "assign-roles")
    assert owner[4] == "tumbuh-migrator@tumbuh-test.iam"
    assert (dry_run.root / "build" / "migrate" / "scripts" / "migrate.py").is_file()
    assert (dry_run.root / "build" / "migrate" / "Procfile").read_text() == "web: python -m scripts.migrate\n"


def test_staging_copies_main_requirements_and_a_real_shared_package(dry_run):
    """build/<fn>/ holds main.py, the root requirements.txt and a real shared/ directory, no bytecode."""
    for fn in FUNCTIONS:
        staged = dry_run.root / "build" / fn

        assert (staged / "main.py").read_bytes() == (dry_run.root / "functions" / fn / "main.py").read_bytes()
        assert (staged / "requirements.txt").read_bytes() == (dry_run.root / "requirements.txt").read_bytes()
        assert (staged / "shared").is_dir() and not (staged / "shared").is_symlink()
        assert (staged / "shared" / "__init__.py").is_file()
        assert not list(staged.rglob("__pycache__")) and not list(staged.rglob("*.pyc"))


def test_staging_dereferences_a_symlinked_shared_package(deploy, tmp_path):
    """gcloud uploads a directory symlink as a dangling link, so staging must copy what it points to."""
    elsewhere = tmp_path / "shared-elsewhere"
    shutil.move(deploy.root / "shared", elsewhere)
    (deploy.root / "shared").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "__pycache__").mkdir(exist_ok=True)
    (elsewhere / "__pycache__" / "stale.cpython-311.pyc").write_bytes(b"\0")

    result = deploy.run("--dry-run", **CONFIG)

    assert result.returncode == 0, result.stderr
    staged = deploy.root / "build" / "webhook" / "shared"
    assert staged.is_dir() and not staged.is_symlink()
    assert not any(p.is_symlink() for p in staged.rglob("*"))
    assert (staged / "__init__.py").is_file()
    assert not (staged / "__pycache__").exists()


def test_staging_fails_clearly_when_a_function_is_missing(deploy):
    """A missing functions/<fn>/main.py stops the script before anything is deployed."""
    (deploy.root / "functions" / "backup" / "main.py").unlink()

    result = deploy.run("--dry-run", **CONFIG)

    assert result.returncode != 0
    assert "functions/backup/main.py not found" in result.stderr
    assert "functions deploy" not in result.stdout


def test_a_real_run_needs_a_project_id(deploy):
    """Without --dry-run a missing PROJECT_ID stops the script before any gcloud call."""
    config = {k: v for k, v in CONFIG.items() if k != "PROJECT_ID"}

    result = deploy.run(mode="present", **config)

    assert result.returncode != 0
    assert "PROJECT_ID" in result.stderr
    assert deploy.calls() == []


def test_help_prints_the_usage_header(deploy):
    """--help lists the options and the configuration variables, and does nothing else."""
    result = deploy.run("--help")

    assert result.returncode == 0
    assert "--dry-run" in result.stdout and "PROJECT_ID" in result.stdout and "REGION" in result.stdout
    assert not (deploy.root / "build").exists()


def test_an_unknown_argument_is_refused(deploy):
    """A typo such as --dryrun must not fall through to a real deployment."""
    result = deploy.run("--dryrun", **CONFIG)

    assert result.returncode != 0
    assert "unknown argument" in result.stderr
    assert deploy.calls() == []


def test_a_real_run_executes_exactly_what_it_prints(rerun):
    """The printed '+' and '?' lines are the gcloud calls made, in order, with the same arguments."""
    shown = [shlex.split(line[2:]) for line in rerun.stdout.splitlines() if line[:2] in ("+ ", "? ")]

    assert [["gcloud", *c["argv"]] for c in rerun.deploy.calls()] == shown


def test_a_rerun_updates_existing_scheduler_jobs_and_creates_nothing(rerun):
    """Idempotence: existing resources are left alone and existing jobs are updated in place."""
    argvs = [c["argv"] for c in rerun.deploy.calls()]
    assert not [a for a in argvs if "create" in a]
    updates = {a[4]: flags(a) for a in argvs if a[:4] == ["scheduler", "jobs", "update", "http"]}
    assert sorted(updates) == ["tumbuh-backup-nightly", "tumbuh-scheduler-tick"]
    for f in updates.values():
        # `update http` has no --headers flag; it takes --update-headers.
        assert f["--update-headers"] == "Content-Type=application/json" and "--headers" not in f
        assert f["--uri"] == f["--oidc-token-audience"] and f["--uri"].endswith(".a.run.app")


def test_a_first_run_creates_missing_secrets_from_the_environment_via_stdin(deploy):
    """Secret values reach gcloud on stdin only: never in argv, never in the script's output."""
    values = {var: f"value-of-{var.lower()}-s3cr3t" for var in SECRET_VARS}

    result = deploy.run(mode="absent", **CONFIG, **values)

    assert result.returncode == 0, result.stderr
    creates = {c["argv"][2]: c for c in deploy.calls() if c["argv"][:2] == ["secrets", "create"]}
    assert sorted(creates) == sorted([secret(v) for v in SECRET_VARS] + DERIVED_SECRETS)
    for var, value in values.items():
        assert creates[f"tumbuh-{var.lower().replace('_', '-')}"]["stdin"] == value
        assert value not in result.stdout + result.stderr
        assert not any(value in " ".join(c["argv"]) for c in deploy.calls())
    assert sorted(c["argv"][4] for c in deploy.calls() if c["argv"][:4] == ["scheduler", "jobs", "create", "http"]) == [
        "tumbuh-backup-nightly", "tumbuh-scheduler-tick"]


def test_a_first_run_stops_when_a_secret_is_neither_stored_nor_given(deploy):
    """Deploying with a missing secret would fail later and less clearly; stop and name it."""
    values = {var: "x" for var in SECRET_VARS if var != "BACKUP_KEY"}

    result = deploy.run(mode="absent", **CONFIG, **values)

    assert result.returncode != 0
    assert "tumbuh-backup-key" in result.stderr and "BACKUP_KEY" in result.stderr
    assert not [c for c in deploy.calls() if c["argv"][:2] == ["functions", "deploy"]]


def test_the_redis_url_secret_carries_tls_and_the_auth_string_only_on_stdin(deploy):
    """The Redis URL is made from the instance (TLS port, AUTH string, CA file) and reaches Secret Manager on
    stdin; the AUTH string is never in argv or in the output. The CA secret holds the instance's certificate."""
    values = {var: f"value-of-{var.lower()}" for var in SECRET_VARS}

    result = deploy.run(mode="absent", **CONFIG, **values)

    assert result.returncode == 0, result.stderr
    creates = {c["argv"][2]: c["stdin"] for c in deploy.calls() if c["argv"][:2] == ["secrets", "create"]}
    assert creates["tumbuh-redis-url"] == (f"rediss://:{AUTH_STRING}@10.20.30.40:6378/0?ssl_cert_reqs=required"
                                           f"&ssl_ca_certs={REDIS_CA_PATH}&ssl_check_hostname=false")
    assert creates["tumbuh-redis-ca"].startswith("-----BEGIN CERTIFICATE-----\n")
    assert AUTH_STRING not in result.stdout + result.stderr
    assert not any(AUTH_STRING in " ".join(c["argv"]) for c in deploy.calls())


def test_the_deployed_configuration_passes_the_production_check(rerun):
    """What deploy.sh writes for each function, plus only the secrets that function mounts, is a configuration
    it starts with on the platform (K_SERVICE set, as Cloud Run sets it)."""
    from shared.config import Settings

    redis_url = (f"rediss://:{AUTH_STRING}@10.20.30.40:6378/0?ssl_cert_reqs=required&ssl_ca_certs={REDIS_CA_PATH}"
                 "&ssl_check_hostname=false")
    for fn, account in IDENTITY.items():
        mounted = SECRETS_OF["tumbuh-scheduler" if fn == "tumbuh-sender" else fn] - {REDIS_CA_PATH}
        secrets = {name: f"{name.lower()}-0f9e8d7c6b5a49382716a5b4c3d2e1f0" for name in mounted}
        if "REDIS_URL" in secrets:
            secrets["REDIS_URL"] = redis_url
        settings = Settings.from_env({**_env_file(rerun.root, fn), **secrets, "K_SERVICE": fn}).check()

        assert settings.tasks_backend == "cloud_tasks"
        assert settings.tasks_target_url == "https://tumbuh-sender-123456789012.asia-southeast2.run.app/tasks/deliver"
        assert settings.db_migrate is False


# --- Monitoring (monitoring/, step 11) -------------------------------------------------------------------------

MONITORING = REPO / "monitoring"
ALERT_FILES = sorted(p.name for p in (MONITORING / "alerts").glob("*.json"))
WEBHOOK_DRYRUN_HOST = "tumbuh-webhook-DRYRUN.a.run.app"  # what the dry run says the webhook's URL is


def _metric_names() -> list[str]:
    return [m["name"] for m in json.loads((MONITORING / "metrics.json").read_text())]


def _from_file(run: Ran, cmd: list[str], flag: str) -> dict:
    """The JSON file a printed command hands to gcloud (deploy.sh writes it under build/monitoring/)."""
    return json.loads((run.root / str(flags(cmd)[flag])).read_text())


def test_the_dry_run_creates_every_log_metric_from_its_own_file(dry_run):
    """One `logging metrics create` per metric of monitoring/metrics.json, from a file holding just that metric."""
    creates = find(printed(dry_run.stdout), "logging", "metrics", "create")

    assert [c[4] for c in creates] == _metric_names()
    for cmd in creates:
        assert _from_file(dry_run, cmd, "--config-from-file")["name"] == cmd[4]


def test_the_dry_run_creates_a_policy_per_alert_file_notifying_both_channels(dry_run):
    """Every file of monitoring/alerts/ becomes a policy, with the channels made just before and no placeholder
    left; the dry run shows an e-mail and a WhatsApp channel (placeholders for NOTIFY_EMAIL and NOTIFY_WHATSAPP)."""
    cmds = printed(dry_run.stdout)
    creates = find(cmds, "monitoring", "policies", "create")
    channels = find(cmds, "beta", "monitoring", "channels", "create")

    assert sorted(Path(flags(c)["--policy-from-file"]).name for c in creates) == [f"alert.{n}" for n in ALERT_FILES]
    assert len(channels) == 2
    for cmd in creates:
        policy = _from_file(dry_run, cmd, "--policy-from-file")
        assert policy["notificationChannels"] == ["projects/tumbuh-test/notificationChannels/NEW-email",
                                                  "projects/tumbuh-test/notificationChannels/NEW-webhook_tokenauth"]
        assert "${" not in json.dumps(policy)


def test_the_whatsapp_channel_posts_to_the_webhooks_alert_route(dry_run, rerun):
    """The operator's WhatsApp channel is a token-authenticated webhook to /ops/alert (token: the new secret
    tumbuh-alert-token, which the webhook mounts), and the number reaches the webhook's configuration, not the
    channel. Without NOTIFY_WHATSAPP the webhook holds no alert token."""
    cmds = printed(dry_run.stdout)
    [whatsapp] = [c for c in find(cmds, "beta", "monitoring", "channels", "create")
                  if "whatsapp" in flags(c)["--channel-content-from-file"]]

    channel = _from_file(dry_run, whatsapp, "--channel-content-from-file")
    assert channel["type"] == "webhook_tokenauth"
    assert channel["labels"] == {"url": f"https://{WEBHOOK_DRYRUN_HOST}/ops/alert?token=ALERT_TOKEN"}
    assert "tumbuh-alert-token" in [c[3] for c in find(cmds, "secrets", "create")]
    [webhook] = [c for c in find(cmds, "functions", "deploy") if c[3] == "tumbuh-webhook"]
    assert _set_secrets(webhook)["ALERT_TOKEN"] == "tumbuh-alert-token:1"
    [deployed] = [c for c in find(printed(rerun.stdout), "functions", "deploy") if c[3] == "tumbuh-webhook"]
    assert "ALERT_TOKEN" not in _set_secrets(deployed) and "OPERATOR_WA" not in _env_file(rerun.root)
    assert _env_file(dry_run.root)["OPERATOR_WA"] == "OPERATOR_WA_ID"
    assert "OPERATOR_WA" not in _env_file(dry_run.root, "tumbuh-scheduler")


def test_the_uptime_check_watches_the_webhooks_healthz_from_asia_pacific(dry_run):
    """HTTPS GET of /healthz on the webhook's host, from Asia-Pacific and as few other regions as allowed (3)."""
    [uptime] = find(printed(dry_run.stdout), "monitoring", "uptime", "create")
    f = flags(uptime)

    assert (f["--resource-type"], f["--protocol"], f["--path"]) == ("uptime-url", "https", "/healthz")
    assert f["--resource-labels"] == f"host={WEBHOOK_DRYRUN_HOST},project_id=tumbuh-test"
    assert "asia-pacific" in f["--regions"].split(",") and len(f["--regions"].split(",")) == 3


def test_the_dry_run_creates_the_dashboard_under_a_known_name(dry_run):
    """The dashboard is created as projects/PROJECT/dashboards/tumbuh, so a re-run finds and updates it."""
    [dashboard] = find(printed(dry_run.stdout), "monitoring", "dashboards", "create")
    config = _from_file(dry_run, dashboard, "--config-from-file")

    assert config["name"] == "projects/tumbuh-test/dashboards/tumbuh"
    assert "${" not in json.dumps(config)
    assert '\\"tumbuh-test:tumbuh-pg\\"' in json.dumps(config)  # the Cloud SQL instance's connections


def test_monitoring_is_set_up_after_the_functions_it_watches(dry_run):
    """The uptime check and the WhatsApp channel need the webhook's URL: every function deploys first."""
    cmds = printed(dry_run.stdout)
    index = {id(c): i for i, c in enumerate(cmds)}

    last_function = max(index[id(c)] for c in find(cmds, "functions", "deploy"))
    assert last_function < min(index[id(c)] for c in find(cmds, "logging", "metrics", "create"))
    assert {"monitoring.googleapis.com", "logging.googleapis.com"} <= set(find(cmds, "services", "enable")[0])


def test_only_the_webhook_keeps_a_warm_instance(dry_run):
    """--min-instances=1 on the webhook (a first message after a quiet night meets no cold start); 0 elsewhere."""
    deploys = {c[3]: flags(c)["--min-instances"] for c in find(printed(dry_run.stdout), "functions", "deploy")}

    assert deploys.pop("tumbuh-webhook") == "1"
    assert set(deploys.values()) == {"0"}


def test_webhook_min_instances_is_configurable_and_checked(deploy):
    """WEBHOOK_MIN_INSTANCES sets the webhook's warm instances; anything but a whole number stops the deploy."""
    result = deploy.run("--dry-run", WEBHOOK_MIN_INSTANCES="2", **CONFIG)
    refused = deploy.run("--dry-run", WEBHOOK_MIN_INSTANCES="two", **CONFIG)

    assert result.returncode == 0, result.stderr
    [webhook] = [c for c in find(printed(result.stdout), "functions", "deploy") if c[3] == "tumbuh-webhook"]
    assert flags(webhook)["--min-instances"] == "2"
    assert refused.returncode != 0 and "WEBHOOK_MIN_INSTANCES" in refused.stderr


def test_a_rerun_updates_the_monitoring_in_place(rerun):
    """Idempotence: existing metrics, policies, the uptime check and the dashboard are updated, never duplicated;
    without NOTIFY_EMAIL or NOTIFY_WHATSAPP the policies notify nobody, and the run says so."""
    argvs = [c["argv"] for c in rerun.deploy.calls()]

    assert [a[3] for a in argvs if a[:3] == ["logging", "metrics", "update"]] == _metric_names()
    assert len([a for a in argvs if a[:3] == ["monitoring", "policies", "update"]]) == len(ALERT_FILES)
    assert [a for a in argvs if a[:3] == ["monitoring", "uptime", "update"]]
    assert [a for a in argvs if a[:3] == ["monitoring", "dashboards", "update"]]
    assert not [a for a in argvs if a[:3] == ["beta", "monitoring", "channels"] and "list" not in a]
    for call in rerun.deploy.calls():
        if call["argv"][:3] == ["monitoring", "policies", "update"]:
            [policy] = call["files"].values()
            assert json.loads(policy)["notificationChannels"] == []
    assert "notify nobody" in rerun.stdout


def test_an_alert_address_and_token_reach_gcloud_in_files_only(deploy):
    """The operator's address and the alert token travel to gcloud in channel files readable by the deployer only,
    removed once used: never in argv, never in the output. The token is quoted into the URL, and the webhook so
    configured passes the production check."""
    from shared.config import Settings

    email, token = "ops.tumbuh@example.org", "t0k&n=/x" + "7f3e" * 8

    result = deploy.run(mode="present", NOTIFY_EMAIL=email, NOTIFY_WHATSAPP="6281300000009",
                        FAKE_SECRET_VALUE=token, **CONFIG)

    assert result.returncode == 0, result.stderr
    updates = [c for c in deploy.calls() if c["argv"][:4] == ["beta", "monitoring", "channels", "update"]]
    contents = [json.loads(content) for c in updates for content in c["files"].values()]
    assert [c["labels"] for c in contents] == [
        {"email_address": email},
        {"url": "https://tumbuh-webhook-abc123-et.a.run.app/ops/alert?token=t0k%26n%3D%2Fx" + "7f3e" * 8}]
    assert not list((deploy.root / "build" / "monitoring").glob("channel.*"))
    for secret_value in (email, token):
        assert secret_value not in result.stdout + result.stderr
        assert not any(secret_value in " ".join(c["argv"]) for c in deploy.calls())
    policies = [json.loads(content) for c in deploy.calls() if c["argv"][:3] == ["monitoring", "policies", "update"]
                for content in c["files"].values()]
    assert policies and all(len(p["notificationChannels"]) == 2 for p in policies)
    env = _env_file(deploy.root)
    assert env["OPERATOR_WA"] == "6281300000009"
    secrets = {name: f"{name.lower()}-0f9e8d7c6b5a49382716a5b4c3d2e1f0" for name in SECRETS_OF["tumbuh-webhook"]
               if name != REDIS_CA_PATH}
    secrets["REDIS_URL"] = (f"rediss://:{AUTH_STRING}@10.20.30.40:6378/0?ssl_cert_reqs=required"
                            f"&ssl_ca_certs={REDIS_CA_PATH}&ssl_check_hostname=false")
    settings = Settings.from_env({**env, **secrets, "ALERT_TOKEN": token, "K_SERVICE": "tumbuh-webhook"}).check()
    assert settings.operator_wa == ("6281300000009",) and settings.alert_token == token


def test_a_whatsapp_channel_without_its_token_stops_the_deploy(deploy):
    """An empty tumbuh-alert-token would make a channel every route refuses: stop and say which secret."""
    result = deploy.run(mode="present", NOTIFY_WHATSAPP="6281300000009", FAKE_SECRET_VALUE="", **CONFIG)

    assert result.returncode != 0
    assert "Tumbuh: operator WhatsApp" in result.stderr
    assert not [c for c in deploy.calls() if c["argv"][:3] == ["monitoring", "policies", "update"]]


def _env_files(root: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in (root / "build").glob("env.*.yaml")}


def test_staging_is_the_same_functions_labelled_and_configured_as_staging(deploy):
    result = deploy.run("--dry-run", "--env", "staging", **CONFIG)

    assert result.returncode == 0, result.stderr
    deployed = find(printed(result.stdout), "functions", "deploy")
    assert len(deployed) == 5 and all(flags(c)["--update-labels"] == "tumbuh-env=staging" for c in deployed)
    assert all('TUMBUH_ENV: "staging"' in text for text in _env_files(deploy.root).values())
    webhook = next(c for c in deployed if c[3] == "tumbuh-webhook")
    assert flags(webhook)["--min-instances"] == "0"  # no warm instance to pay for in staging


def test_prod_is_the_default_and_labels_its_functions(dry_run):
    deployed = find(printed(dry_run.stdout), "functions", "deploy")
    assert all(flags(c)["--update-labels"] == "tumbuh-env=prod" for c in deployed)
    assert all('TUMBUH_ENV: "prod"' in text for text in _env_files(dry_run.root).values())


def test_a_project_holding_the_other_environment_is_refused_before_anything_changes(deploy):
    result = deploy.run("--env", "staging", mode="present", FAKE_DEPLOYED_ENV="prod", FAKE_SECRET_VALUE="x" * 40,
                        **CONFIG)

    assert result.returncode != 0 and "holds the prod deployment" in result.stderr
    assert printed(result.stdout) == [] or not find(printed(result.stdout), "functions", "deploy")
    assert [c["argv"][:2] for c in deploy.calls()] == [["functions", "describe"]] * 2  # looked, changed nothing


def test_an_environments_file_is_read_under_the_environment_and_never_holds_a_secret(deploy):
    (deploy.root / "deploy.staging.env").write_text(
        "# staging\nPROJECT_ID=tumbuh-staging\nWHATSAPP_PHONE_NUMBER_ID=999\n\nSQL_TIER=db-f1-micro\n")

    read = deploy.run("--dry-run", "--env", "staging", SQL_TIER="db-g1-small")
    (deploy.root / "deploy.staging.env").write_text("PROJECT_ID=tumbuh-staging\nBACKUP_KEY=abc\n")
    refused = deploy.run("--dry-run", "--env", "staging")

    assert read.returncode == 0, read.stderr
    commands = printed(read.stdout)
    assert all(flags(c)["--project"] == "tumbuh-staging" for c in commands)
    [sql] = find(commands, "sql", "instances", "create")
    assert flags(sql)["--tier"] == "db-g1-small"  # the environment wins over the file
    assert refused.returncode != 0 and "BACKUP_KEY is a secret" in refused.stderr


def test_an_unknown_environment_is_refused(deploy):
    result = deploy.run("--dry-run", "--env", "test")

    assert result.returncode != 0 and "--env must be prod or staging" in result.stderr
