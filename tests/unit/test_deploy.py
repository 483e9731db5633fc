"""deploy.sh, run against a copy of the repo: the gcloud commands it prints (dry-run) or runs (fake gcloud).

No cloud and no real gcloud here: a fake `gcloud` first on PATH records every call, so the dry-run can
prove it called nothing and a "real" run can prove it executes exactly what it prints.
"""
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy.sh"
FUNCTIONS = {"webhook": "whatsapp_webhook", "scheduler": "scheduler", "backup": "backup"}
SECRET_VARS = ["WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_ACCESS_TOKEN", "APPS_SCRIPT_SECRET", "BACKUP_KEY"]
CONFIG = {
    "PROJECT_ID": "tumbuh-test",
    "WHATSAPP_PHONE_NUMBER_ID": "1234567890",
    "APPS_SCRIPT_URL": "https://script.google.com/macros/s/abc,def=/exec",  # comma and '=': must survive
    "SHEET_ID": "sheet-123",
}

# A stand-in for gcloud. Every call appends {"argv", "stdin"} to $FAKE_GCLOUD_LOG.
#   FAKE_GCLOUD_MODE=forbid   fail loudly: nothing may call gcloud (dry-run)
#   FAKE_GCLOUD_MODE=present  every resource exists (describe/list print something)
#   FAKE_GCLOUD_MODE=absent   nothing exists yet (describe fails, list prints nothing)
FAKE_GCLOUD = """#!{python} -S
import json, os, sys
argv = sys.argv[1:]
stdin = sys.stdin.read() if "--data-file=-" in argv else None
with open(os.environ["FAKE_GCLOUD_LOG"], "a") as log:
    log.write(json.dumps({{"argv": argv, "stdin": stdin}}) + "\\n")
mode = os.environ.get("FAKE_GCLOUD_MODE", "forbid")
if mode == "forbid":
    sys.exit("FAKE GCLOUD CALLED IN DRY-RUN: " + " ".join(argv))
fmt = next((a for a in argv if a.startswith("--format=")), "")
# Looked up only after the create step, so they answer in both modes.
if "value(host)" in fmt:
    print("10.20.30.40")
elif "value(projectNumber)" in fmt:
    print("123456789012")
elif "value(serviceConfig.uri)" in fmt:
    print("https://" + argv[2] + "-abc123-et.a.run.app")
elif "describe" in argv or "list" in argv:
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
        fake.write_text(FAKE_GCLOUD.format(python=sys.executable))
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
    assert len(find(cmds, "functions", "deploy")) == 4
    assert all("--project=my-project" in c for c in cmds)


def test_every_printed_command_is_gcloud_with_an_explicit_project(dry_run):
    """The default project of whoever runs the script never decides where Tumbuh lands."""
    cmds = printed(dry_run.stdout) + printed(dry_run.stdout, "? ")

    assert cmds
    assert all(c[0] == "gcloud" and c[-1] == "--project=tumbuh-test" for c in cmds)


def test_four_gen2_http_functions_with_their_entry_points(dry_run):
    """Each function is deployed gen2, HTTP-triggered, from its own staged directory; tumbuh-sender is the
    scheduler's code again, scaled out for the tasks the webhook hands off."""
    deploys = {c[3]: flags(c) for c in find(printed(dry_run.stdout), "functions", "deploy")}

    assert sorted(deploys) == ["tumbuh-backup", "tumbuh-scheduler", "tumbuh-sender", "tumbuh-webhook"]
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


def test_only_the_webhook_is_public(dry_run):
    """Meta must reach the webhook; scheduler and backup answer only OIDC-authenticated calls."""
    deploys = {c[3]: c for c in find(printed(dry_run.stdout), "functions", "deploy")}

    assert "--allow-unauthenticated" in deploys["tumbuh-webhook"]
    assert "--no-allow-unauthenticated" not in deploys["tumbuh-webhook"]
    for fn in ("tumbuh-scheduler", "tumbuh-backup", "tumbuh-sender"):
        assert "--no-allow-unauthenticated" in deploys[fn]
        assert "--allow-unauthenticated" not in deploys[fn]


def test_private_functions_grant_invoker_to_the_scheduler_identity(dry_run):
    """Cloud Scheduler's service account, and only it, may invoke the private functions."""
    bindings = find(printed(dry_run.stdout), "functions", "add-invoker-policy-binding")

    assert sorted(c[3] for c in bindings) == ["tumbuh-backup", "tumbuh-scheduler", "tumbuh-sender"]
    assert {flags(c)["--member"] for c in bindings} == {"serviceAccount:tumbuh-invoker@tumbuh-test.iam.gserviceaccount.com"}


def test_functions_read_secrets_from_secret_manager(dry_run):
    """Every secret arrives via --set-secrets as tumbuh-<lowercase-dashed>:latest, never as a plain env var."""
    expected = ",".join(f"{v}=tumbuh-{v.lower().replace('_', '-')}:latest" for v in SECRET_VARS)

    for cmd in find(printed(dry_run.stdout), "functions", "deploy"):
        assert flags(cmd)["--set-secrets"] == expected
        assert "--set-env-vars" not in flags(cmd)


def test_functions_reach_memorystore_through_the_vpc_connector(dry_run):
    """Private ranges go through the connector; Meta and Google APIs stay on the direct path."""
    for cmd in find(printed(dry_run.stdout), "functions", "deploy"):
        f = flags(cmd)
        assert f["--vpc-connector"] == "projects/tumbuh-test/locations/asia-southeast2/connectors/tumbuh-conn"
        assert f["--egress-settings"] == "private-ranges-only"


def _env_file(root: Path) -> dict[str, str]:
    """build/env.prod.yaml, whose values deploy.sh writes as JSON-compatible double-quoted YAML strings."""
    out = {}
    for line in (root / "build" / "env.prod.yaml").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition(": ")
            out[key] = json.loads(value)
    return out


def test_plain_configuration_goes_in_an_env_vars_file(dry_run):
    """Values with commas survive because they travel in YAML, and no secret is written there."""
    env = _env_file(dry_run.root)

    for cmd in find(printed(dry_run.stdout), "functions", "deploy"):
        assert flags(cmd)["--env-vars-file"] == "build/env.prod.yaml"
    assert env["APPS_SCRIPT_URL"] == CONFIG["APPS_SCRIPT_URL"]
    assert env["TUMBUH_ENV"] == "prod" and env["TZ_DEFAULT"] == "Asia/Jakarta" and env["DB_IAM_AUTH"] == "true"
    assert env["CLOUD_SQL_INSTANCE"] == "tumbuh-test:asia-southeast2:tumbuh-pg"
    assert env["DB_USER"] == "tumbuh-fn@tumbuh-test.iam"
    assert env["WHATSAPP_API_URL"] == "https://graph.facebook.com/v21.0"
    assert env["BACKUP_BUCKET"].startswith("gs://")
    assert re.fullmatch(r"redis://[^:/]+:6379/0", env["REDIS_URL"])
    assert not set(env) & set(SECRET_VARS)


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
    """The queue is created in Jakarta, the runtime identity may enqueue and act as the invoker (whose OIDC
    token the tasks carry), and the configuration names the queue and tumbuh-sender's deterministic URL."""
    cmds = printed(dry_run.stdout)
    env = _env_file(dry_run.root)

    [queue] = find(cmds, "tasks", "queues", "create")
    [enqueue] = find(cmds, "tasks", "queues", "add-iam-policy-binding")
    [act_as] = find(cmds, "iam", "service-accounts", "add-iam-policy-binding")
    assert queue[4] == "tumbuh-sends" and flags(queue)["--location"] == "asia-southeast2"
    assert flags(enqueue)["--role"] == "roles/cloudtasks.enqueuer"
    assert flags(enqueue)["--member"] == "serviceAccount:tumbuh-fn@tumbuh-test.iam.gserviceaccount.com"
    assert act_as[4] == "tumbuh-invoker@tumbuh-test.iam.gserviceaccount.com"
    assert flags(act_as)["--role"] == "roles/iam.serviceAccountUser"
    assert env["TASKS_QUEUE"] == "projects/tumbuh-test/locations/asia-southeast2/queues/tumbuh-sends"
    assert env["TASKS_TARGET_URL"] == "https://tumbuh-sender-000000000000.asia-southeast2.run.app/tasks/deliver"
    assert env["TASKS_SERVICE_ACCOUNT"] == "tumbuh-invoker@tumbuh-test.iam.gserviceaccount.com"


def test_infrastructure_is_created_when_absent(dry_run):
    """A fresh project gets Cloud SQL with IAM auth, its IAM user, Memorystore and the VPC connector."""
    cmds = printed(dry_run.stdout)

    [sql] = find(cmds, "sql", "instances", "create")
    assert flags(sql)["--database-version"] == "POSTGRES_15"
    assert flags(sql)["--database-flags"] == "cloudsql.iam_authentication=on"
    assert flags(sql)["--region"] == "asia-southeast2"
    [user] = find(cmds, "sql", "users", "create")
    assert user[4] == "tumbuh-fn@tumbuh-test.iam" and flags(user)["--type"] == "cloud_iam_service_account"
    assert find(cmds, "sql", "databases", "create")
    [redis] = find(cmds, "redis", "instances", "create")
    assert flags(redis)["--redis-version"] == "redis_7_0"
    assert find(cmds, "compute", "networks", "vpc-access", "connectors", "create")
    assert find(cmds, "services", "enable")


def test_runtime_identity_gets_only_the_roles_it_needs(dry_run):
    """Cloud SQL client and IAM login project-wide; secrets and the backup bucket granted one by one."""
    cmds = printed(dry_run.stdout)

    project_roles = {flags(c)["--role"] for c in find(cmds, "projects", "add-iam-policy-binding")}
    secret_roles = {(c[3], flags(c)["--role"]) for c in find(cmds, "secrets", "add-iam-policy-binding")}
    [bucket] = find(cmds, "storage", "buckets", "add-iam-policy-binding")
    assert project_roles == {"roles/cloudsql.client", "roles/cloudsql.instanceUser"}
    assert len(secret_roles) == len(SECRET_VARS)
    assert {role for _, role in secret_roles} == {"roles/secretmanager.secretAccessor"}
    assert flags(bucket)["--role"] == "roles/storage.objectAdmin"


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
    assert _env_file(rerun.root)["REDIS_URL"] == "redis://10.20.30.40:6379/0"


def test_a_first_run_creates_missing_secrets_from_the_environment_via_stdin(deploy):
    """Secret values reach gcloud on stdin only: never in argv, never in the script's output."""
    values = {var: f"value-of-{var.lower()}-s3cr3t" for var in SECRET_VARS}

    result = deploy.run(mode="absent", **CONFIG, **values)

    assert result.returncode == 0, result.stderr
    creates = {c["argv"][2]: c for c in deploy.calls() if c["argv"][:2] == ["secrets", "create"]}
    assert sorted(creates) == sorted(f"tumbuh-{v.lower().replace('_', '-')}" for v in SECRET_VARS)
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


def test_the_deployed_configuration_passes_the_production_check(rerun):
    """What deploy.sh writes, plus the secrets it mounts, is a configuration the functions start with."""
    from shared.config import Settings

    secrets = {name: "from-secret-manager" for name in SECRET_VARS}
    settings = Settings.from_env({**_env_file(rerun.root), **secrets}).check()

    assert settings.tasks_backend == "cloud_tasks"
    assert settings.tasks_target_url == "https://tumbuh-sender-123456789012.asia-southeast2.run.app/tasks/deliver"
