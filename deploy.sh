#!/usr/bin/env bash
# deploy.sh — deploy Tumbuh to Google Cloud (Cloud Functions gen2 + Cloud SQL + Memorystore + Scheduler + Tasks).
#
# Usage: ./deploy.sh [--dry-run] [--help]
#   --dry-run, -n  Print every gcloud command instead of running it; needs no gcloud and no credentials.
#                  Staging still runs (it is local), so build/<fn>/ shows exactly what would be uploaded.
#                  Dry-run assumes a fresh project: every "create if absent" step prints its create form.
#
# Output: "+ gcloud …" lines are the commands that change things (shell-quoted, copy-pasteable).
#         "? gcloud …" lines are read-only probes/lookups (does it exist? what is its IP/URL?).
#
# Re-running is safe: resources are created only when absent, functions are redeployed, IAM bindings
# are additive, and Scheduler jobs are updated in place when they exist.
#
# Configuration (environment variables; defaults in brackets):
#   PROJECT_ID                required (dry-run: my-project)
#   REGION                    [asia-southeast2]  Jakarta; functions, SQL, Redis, connector, bucket, secrets
#   RUNTIME                   [python311]        Cloud Functions runtime (DESIGN.md: Python 3.11)
#   WHATSAPP_PHONE_NUMBER_ID  required (dry-run: placeholder)
#   APPS_SCRIPT_URL           required, the web app's /exec URL (dry-run: placeholder)
#   SHEET_ID                  required (dry-run: placeholder)
#   WHATSAPP_API_URL          [https://graph.facebook.com/v21.0]
#   BACKUP_BUCKET             [gs://<PROJECT_ID>-tumbuh-backup]
#   SQL_INSTANCE [tumbuh-pg]  SQL_TIER [db-g1-small]  DB_NAME [tumbuh]
#   REDIS_INSTANCE [tumbuh-redis]  REDIS_SIZE_GB [1]  REDIS_HOST [looked up from the instance]
#   VPC_NETWORK [default]  VPC_CONNECTOR [tumbuh-conn]  VPC_CONNECTOR_RANGE [10.8.0.0/28]
#   SCHEDULER_LOCATION [$REGION]  SCHEDULER_CRON [*/5 * * * *]  BACKUP_CRON [0 2 * * *]  (Asia/Jakarta)
#   IAM_SETTLE_SECONDS        [20]  wait after creating a service account, before granting it roles
#   TASKS_QUEUE_NAME          [tumbuh-sends]  Cloud Tasks queue from the webhook to tumbuh-sender
#   Secrets live in Secret Manager as tumbuh-<name> (e.g. tumbuh-whatsapp-app-secret). When one is
#   missing and the variable of the same name is set (WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN,
#   WHATSAPP_ACCESS_TOKEN, APPS_SCRIPT_SECRET, BACKUP_KEY), it is created from that value via stdin.
#
# The deployer needs: Owner, or Editor + Project IAM Admin + Secret Manager Admin, on PROJECT_ID.
# Needs bash >= 4.4 (Cloud Shell, Debian/Ubuntu; not macOS's /bin/bash 3.2) and, except for --dry-run, gcloud.

set -euo pipefail

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { printf 'deploy.sh: %s\n' "$*" >&2; exit 1; }

DRY_RUN=0
while (($#)); do
  case $1 in
    -n | --dry-run) DRY_RUN=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done

cd "$(dirname "${BASH_SOURCE[0]}")"

# ---------------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------------
if ((DRY_RUN)); then
  PROJECT_ID=${PROJECT_ID:-my-project}
  WHATSAPP_PHONE_NUMBER_ID=${WHATSAPP_PHONE_NUMBER_ID:-PHONE_NUMBER_ID}
  APPS_SCRIPT_URL=${APPS_SCRIPT_URL:-https://script.google.com/macros/s/SCRIPT_DEPLOYMENT_ID/exec}
  SHEET_ID=${SHEET_ID:-SHEET_ID}
fi
: "${PROJECT_ID:?set PROJECT_ID (or use --dry-run)}"
: "${WHATSAPP_PHONE_NUMBER_ID:?set WHATSAPP_PHONE_NUMBER_ID}"
: "${APPS_SCRIPT_URL:?set APPS_SCRIPT_URL (the Apps Script web app /exec URL)}"
: "${SHEET_ID:?set SHEET_ID}"

REGION=${REGION:-asia-southeast2}
RUNTIME=${RUNTIME:-python311}
WHATSAPP_API_URL=${WHATSAPP_API_URL:-https://graph.facebook.com/v21.0}
BACKUP_BUCKET=${BACKUP_BUCKET:-gs://${PROJECT_ID}-tumbuh-backup}
SQL_INSTANCE=${SQL_INSTANCE:-tumbuh-pg}
SQL_TIER=${SQL_TIER:-db-g1-small}
DB_NAME=${DB_NAME:-tumbuh}
REDIS_INSTANCE=${REDIS_INSTANCE:-tumbuh-redis}
REDIS_SIZE_GB=${REDIS_SIZE_GB:-1}
VPC_NETWORK=${VPC_NETWORK:-default}
VPC_CONNECTOR=${VPC_CONNECTOR:-tumbuh-conn}
VPC_CONNECTOR_RANGE=${VPC_CONNECTOR_RANGE:-10.8.0.0/28}
SCHEDULER_LOCATION=${SCHEDULER_LOCATION:-$REGION}
SCHEDULER_CRON=${SCHEDULER_CRON:-*/5 * * * *}
BACKUP_CRON=${BACKUP_CRON:-0 2 * * *}
TIME_ZONE=Asia/Jakarta
IAM_SETTLE_SECONDS=${IAM_SETTLE_SECONDS:-20}
TASKS_QUEUE_NAME=${TASKS_QUEUE_NAME:-tumbuh-sends}

[[ $BACKUP_BUCKET == gs://* ]] || die "BACKUP_BUCKET must start with gs:// (got: $BACKUP_BUCKET)"

# One runtime identity for all three functions: Cloud SQL IAM auth maps it to a single database user,
# so the schema has one owner. The invoker identity only lets Cloud Scheduler and Cloud Tasks call the
# private functions.
RUNTIME_SA=tumbuh-fn@${PROJECT_ID}.iam.gserviceaccount.com
INVOKER_SA=tumbuh-invoker@${PROJECT_ID}.iam.gserviceaccount.com
DB_USER=${RUNTIME_SA%.gserviceaccount.com} # Cloud SQL's IAM user name for a service account
SQL_CONNECTION=${PROJECT_ID}:${REGION}:${SQL_INSTANCE}
CONNECTOR_PATH=projects/${PROJECT_ID}/locations/${REGION}/connectors/${VPC_CONNECTOR}

SECRET_VARS=(WHATSAPP_APP_SECRET WHATSAPP_VERIFY_TOKEN WHATSAPP_ACCESS_TOKEN APPS_SCRIPT_SECRET BACKUP_KEY)
FUNCTIONS=(webhook scheduler backup)
BUILD=build
ENV_FILE=$BUILD/env.prod.yaml

if ((!DRY_RUN)); then
  command -v gcloud >/dev/null || die "gcloud not found on PATH (install the Google Cloud CLI, or use --dry-run)"
  export CLOUDSDK_CORE_DISABLE_PROMPTS=1 # a deploy script must never stop at an interactive prompt
fi

# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------

# Shell-quote like Python's shlex.quote, so printed commands can be pasted (and parsed by tests).
quote_args() {
  local out=() a
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
      out+=("$a")
    else
      out+=("'${a//\'/\'\\\'\'}'")
    fi
  done
  printf '%s' "${out[*]}"
}

# Every gcloud call gets an explicit --project, so the deployer's default project never matters.
with_project() { if [[ $1 == gcloud ]]; then printf '%s\0' "$@" "--project=$PROJECT_ID"; else printf '%s\0' "$@"; fi; }

# Run a command that changes something (print it first; dry-run prints only).
run() {
  local cmd=()
  mapfile -d '' -t cmd < <(with_project "$@")
  printf '+ %s\n' "$(quote_args "${cmd[@]}")"
  ((DRY_RUN)) || "${cmd[@]}"
}

# Read-only lookup: stores the command's trimmed stdout in the variable named $1. Dry-run stores $2.
lookup() {
  local var=$1 placeholder=$2 cmd=() value
  shift 2
  mapfile -d '' -t cmd < <(with_project "$@")
  printf '? %s\n' "$(quote_args "${cmd[@]}")"
  if ((DRY_RUN)); then value=$placeholder; else value=$("${cmd[@]}"); fi
  printf -v "$var" '%s' "${value//[$'\n\r']/}"
}

# True when a read-only command succeeds and prints something (describe, or a filtered list).
# Dry-run assumes a fresh project, so everything is absent.
exists() {
  local found=''
  lookup found '' "$@" 2>/dev/null || found=''
  [[ -n $found ]]
}

step() { printf '\n# === %s\n' "$*"; }
note() { printf '#   %s\n' "$*"; }

secret_name() { local lower=${1,,}; printf 'tumbuh-%s' "${lower//_/-}"; }

yaml_str() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }

# ---------------------------------------------------------------------------------------------------
# 1. Stage sources: build/<fn>/ = main.py + requirements.txt + a real copy of shared/
# ---------------------------------------------------------------------------------------------------
stage_function() {
  local fn=$1 dest=$BUILD/$1
  [[ -f functions/$fn/main.py ]] || die "functions/$fn/main.py not found"
  [[ -f requirements.txt ]] || die "requirements.txt not found"
  [[ -d shared ]] || die "shared/ package not found"
  rm -rf -- "$dest"
  mkdir -p -- "$dest"
  cp -- "functions/$fn/main.py" "$dest/main.py"
  cp -- requirements.txt "$dest/requirements.txt"
  # -L copies what symlinks point to: gcloud uploads a directory symlink as a dangling link.
  cp -RL -- shared "$dest/shared"
  find "$dest" \( -name __pycache__ -o -name '*.py[co]' \) -prune -exec rm -rf -- {} +
  # An explicit ignore file replaces gcloud's defaults, so the upload is exactly this directory.
  printf '%s\n' .gcloudignore '__pycache__/' '*.py[co]' >"$dest/.gcloudignore"
  note "staged $dest ($(find "$dest" -type f | wc -l | tr -d ' ') files)"
}

step "Stage function sources into $BUILD/"
mkdir -p -- "$BUILD"
for fn in "${FUNCTIONS[@]}"; do stage_function "$fn"; done

# ---------------------------------------------------------------------------------------------------
# 2. APIs and service accounts
# ---------------------------------------------------------------------------------------------------
step "Enable APIs"
run gcloud services enable cloudfunctions.googleapis.com run.googleapis.com cloudbuild.googleapis.com \
  artifactregistry.googleapis.com cloudscheduler.googleapis.com secretmanager.googleapis.com \
  sqladmin.googleapis.com redis.googleapis.com vpcaccess.googleapis.com compute.googleapis.com \
  iam.googleapis.com storage.googleapis.com cloudtasks.googleapis.com

step "Service accounts"
sa_created=0
if ! exists gcloud iam service-accounts describe "$RUNTIME_SA" --format='value(email)'; then
  run gcloud iam service-accounts create "${RUNTIME_SA%%@*}" --display-name="Tumbuh functions runtime"
  sa_created=1
fi
if ! exists gcloud iam service-accounts describe "$INVOKER_SA" --format='value(email)'; then
  run gcloud iam service-accounts create "${INVOKER_SA%%@*}" --display-name="Tumbuh Cloud Scheduler invoker"
  sa_created=1
fi
if ((sa_created && !DRY_RUN)); then
  sleep "$IAM_SETTLE_SECONDS" # a new service account takes a few seconds to become visible to IAM calls
fi
for role in roles/cloudsql.client roles/cloudsql.instanceUser; do
  run gcloud projects add-iam-policy-binding "$PROJECT_ID" --member="serviceAccount:$RUNTIME_SA" \
    --role="$role" --condition=None --format=none
done

# ---------------------------------------------------------------------------------------------------
# 3. Secrets (values never appear in output or in the function configuration)
# ---------------------------------------------------------------------------------------------------
step "Secrets in Secret Manager"
missing=()
set_secrets=()
for var in "${SECRET_VARS[@]}"; do
  name=$(secret_name "$var")
  set_secrets+=("$var=$name:latest")
  if exists gcloud secrets describe "$name" --format='value(name)'; then
    :
  elif ((DRY_RUN)); then
    # Replicated only in REGION: child health data stays in Indonesia (UU 27/2022 PDP).
    run gcloud secrets create "$name" --replication-policy=user-managed --locations="$REGION" --data-file=-
    note "(stdin: the value of \$$var; a real run stops if the secret is absent and \$$var is unset)"
  elif [[ -n ${!var:-} ]]; then
    printf '%s' "${!var}" |
      run gcloud secrets create "$name" --replication-policy=user-managed --locations="$REGION" --data-file=-
  else
    missing+=("$name (or set $var)")
    continue
  fi
  run gcloud secrets add-iam-policy-binding "$name" --member="serviceAccount:$RUNTIME_SA" \
    --role=roles/secretmanager.secretAccessor --format=none
done
((${#missing[@]} == 0)) || die "missing secrets: ${missing[*]}"
SET_SECRETS=$(IFS=,; printf '%s' "${set_secrets[*]}")

# ---------------------------------------------------------------------------------------------------
# 4. Backup bucket
# ---------------------------------------------------------------------------------------------------
step "Backup bucket $BACKUP_BUCKET"
if ! exists gcloud storage buckets describe "$BACKUP_BUCKET" --format='value(name)'; then
  run gcloud storage buckets create "$BACKUP_BUCKET" --location="$REGION" \
    --uniform-bucket-level-access --public-access-prevention
fi
# Bucket-scoped, not project-wide: the functions can touch no other bucket.
run gcloud storage buckets add-iam-policy-binding "$BACKUP_BUCKET" --member="serviceAccount:$RUNTIME_SA" \
  --role=roles/storage.objectAdmin --format=none

# ---------------------------------------------------------------------------------------------------
# 5. Cloud SQL (PostgreSQL), reached through the Cloud SQL connector with IAM database auth
# ---------------------------------------------------------------------------------------------------
step "Cloud SQL instance $SQL_INSTANCE"
if ! exists gcloud sql instances describe "$SQL_INSTANCE" --format='value(name)'; then
  # The edition is explicit because shared-core tiers (db-g1-small) exist only in Enterprise edition.
  # Automated backups at 01:00 WIB (18:00 UTC) complement the app's own nightly export at 02:00 WIB.
  run gcloud sql instances create "$SQL_INSTANCE" --database-version=POSTGRES_15 --edition=enterprise \
    --tier="$SQL_TIER" --region="$REGION" --availability-type=zonal --storage-auto-increase \
    --backup-start-time=18:00 --database-flags=cloudsql.iam_authentication=on
fi
if ! exists gcloud sql databases describe "$DB_NAME" --instance="$SQL_INSTANCE" --format='value(name)'; then
  run gcloud sql databases create "$DB_NAME" --instance="$SQL_INSTANCE"
fi
if ! exists gcloud sql users list --instance="$SQL_INSTANCE" --filter="name=$DB_USER" --format='value(name)'; then
  run gcloud sql users create "$DB_USER" --instance="$SQL_INSTANCE" --type=cloud_iam_service_account
fi

# ---------------------------------------------------------------------------------------------------
# 6. Memorystore (Redis) and the Serverless VPC Access connector that reaches it
# ---------------------------------------------------------------------------------------------------
step "Memorystore $REDIS_INSTANCE"
if ! exists gcloud redis instances describe "$REDIS_INSTANCE" --region="$REGION" --format='value(name)'; then
  run gcloud redis instances create "$REDIS_INSTANCE" --region="$REGION" --tier=basic \
    --size="$REDIS_SIZE_GB" --redis-version=redis_7_0 \
    --network="projects/$PROJECT_ID/global/networks/$VPC_NETWORK"
fi
if [[ -z ${REDIS_HOST:-} ]]; then
  lookup REDIS_HOST REDIS_HOST gcloud redis instances describe "$REDIS_INSTANCE" --region="$REGION" \
    --format='value(host)'
fi
[[ -n $REDIS_HOST ]] || die "could not read the host of Memorystore instance $REDIS_INSTANCE"

step "Serverless VPC Access connector $VPC_CONNECTOR"
if ! exists gcloud compute networks vpc-access connectors describe "$VPC_CONNECTOR" --region="$REGION" \
  --format='value(name)'; then
  run gcloud compute networks vpc-access connectors create "$VPC_CONNECTOR" --region="$REGION" \
    --network="$VPC_NETWORK" --range="$VPC_CONNECTOR_RANGE" --min-instances=2 --max-instances=3 \
    --machine-type=e2-micro
fi

# ---------------------------------------------------------------------------------------------------
# 7. Cloud Tasks queue: the webhook hands a result's chart message to tumbuh-sender through it
# ---------------------------------------------------------------------------------------------------
step "Cloud Tasks queue $TASKS_QUEUE_NAME"
if ! exists gcloud tasks queues describe "$TASKS_QUEUE_NAME" --location="$REGION" --format='value(name)'; then
  # A failed task is not retried for long: the outbox behind it retries with its own back-off.
  run gcloud tasks queues create "$TASKS_QUEUE_NAME" --location="$REGION" --max-attempts=5 \
    --min-backoff=2s --max-backoff=60s --max-concurrent-dispatches=20
fi
run gcloud tasks queues add-iam-policy-binding "$TASKS_QUEUE_NAME" --location="$REGION" \
  --member="serviceAccount:$RUNTIME_SA" --role=roles/cloudtasks.enqueuer --format=none
# A task that carries an OIDC token of the invoker identity may be created only by who can act as it.
run gcloud iam service-accounts add-iam-policy-binding "$INVOKER_SA" --member="serviceAccount:$RUNTIME_SA" \
  --role=roles/iam.serviceAccountUser --format=none
# Cloud Run's deterministic URL (service name, project number, region) is known before the first deploy,
# so the webhook's configuration can name tumbuh-sender's task endpoint.
lookup PROJECT_NUMBER 000000000000 gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)'
[[ $PROJECT_NUMBER =~ ^[0-9]+$ ]] || die "could not read the project number of $PROJECT_ID"
SENDER_URL=https://tumbuh-sender-${PROJECT_NUMBER}.${REGION}.run.app

# ---------------------------------------------------------------------------------------------------
# 8. Functions
# ---------------------------------------------------------------------------------------------------
step "Runtime configuration $ENV_FILE"
# A YAML file rather than --set-env-vars: values with commas or '=' would otherwise need gcloud's
# ^delim^ escaping. No secrets in here; those come from Secret Manager via --set-secrets.
{
  printf '# Generated by deploy.sh; plain configuration only (secrets come from Secret Manager).\n'
  for kv in \
    "TUMBUH_ENV=prod" \
    "CLOUD_SQL_INSTANCE=$SQL_CONNECTION" \
    "DB_USER=$DB_USER" \
    "DB_NAME=$DB_NAME" \
    "DB_IAM_AUTH=true" \
    "REDIS_URL=redis://$REDIS_HOST:6379/0" \
    "WHATSAPP_PHONE_NUMBER_ID=$WHATSAPP_PHONE_NUMBER_ID" \
    "WHATSAPP_API_URL=$WHATSAPP_API_URL" \
    "APPS_SCRIPT_URL=$APPS_SCRIPT_URL" \
    "SHEET_ID=$SHEET_ID" \
    "BACKUP_BUCKET=$BACKUP_BUCKET" \
    "TASKS_QUEUE=projects/$PROJECT_ID/locations/$REGION/queues/$TASKS_QUEUE_NAME" \
    "TASKS_TARGET_URL=$SENDER_URL/tasks/deliver" \
    "TASKS_SERVICE_ACCOUNT=$INVOKER_SA" \
    "TZ_DEFAULT=$TIME_ZONE"; do
    printf '%s: %s\n' "${kv%%=*}" "$(yaml_str "${kv#*=}")"
  done
} >"$ENV_FILE"
note "wrote $ENV_FILE"

# deploy_function NAME SOURCE_DIR ENTRY_POINT ACCESS_FLAG TIMEOUT MEMORY MAX_INSTANCES
deploy_function() {
  run gcloud functions deploy "$1" --gen2 --region="$REGION" --runtime="$RUNTIME" --source="$2" \
    --entry-point="$3" --trigger-http "$4" --service-account="$RUNTIME_SA" --timeout="$5" \
    --memory="$6" --max-instances="$7" --vpc-connector="$CONNECTOR_PATH" \
    --egress-settings=private-ranges-only --env-vars-file="$ENV_FILE" --set-secrets="$SET_SECRETS"
}

step "Deploy functions ($RUNTIME)"
# Webhook is public because Meta calls it; its X-Hub-Signature-256 check is the gate.
# max-instances caps Cloud SQL connections (db-g1-small allows about 50).
deploy_function tumbuh-webhook "$BUILD/webhook" whatsapp_webhook --allow-unauthenticated 60s 512Mi 10
# Private: the platform rejects any call without an OIDC token from an identity holding run.invoker.
# One instance each, so a slow run and the next tick never work the same rows twice.
deploy_function tumbuh-scheduler "$BUILD/scheduler" scheduler --no-allow-unauthenticated 300s 512Mi 1
deploy_function tumbuh-backup "$BUILD/backup" backup --no-allow-unauthenticated 1800s 1Gi 1
# The scheduler's code again, scaled for Cloud Tasks: it draws and sends the charts the webhook hands off
# (POST /tasks/deliver); its outbox claim makes a task delivered twice harmless.
deploy_function tumbuh-sender "$BUILD/scheduler" scheduler --no-allow-unauthenticated 60s 512Mi 5

for fn in tumbuh-scheduler tumbuh-backup tumbuh-sender; do
  run gcloud functions add-invoker-policy-binding "$fn" --region="$REGION" \
    --member="serviceAccount:$INVOKER_SA"
done

# ---------------------------------------------------------------------------------------------------
# 9. Cloud Scheduler jobs (OIDC-authenticated POSTs to the private functions)
# ---------------------------------------------------------------------------------------------------
# schedule_job JOB FUNCTION CRON DEADLINE RETRIES MIN_BACKOFF MAX_BACKOFF
schedule_job() {
  local job=$1 fn=$2 uri verb headers
  lookup uri "https://$fn-DRYRUN.a.run.app" gcloud functions describe "$fn" --gen2 --region="$REGION" \
    --format='value(serviceConfig.uri)'
  [[ -n $uri ]] || die "could not read the URL of function $fn"
  # describe-then-create-or-update keeps re-runs idempotent; dry-run shows the create form.
  if exists gcloud scheduler jobs describe "$job" --location="$SCHEDULER_LOCATION" --format='value(name)'; then
    verb=update headers=--update-headers=Content-Type=application/json
  else
    verb=create headers=--headers=Content-Type=application/json
  fi
  # The audience is the function's base URL, which is what a gen2 function accepts in the token.
  run gcloud scheduler jobs "$verb" http "$job" --location="$SCHEDULER_LOCATION" --schedule="$3" \
    --time-zone="$TIME_ZONE" --uri="$uri" --http-method=POST --message-body='{}' "$headers" \
    --oidc-service-account-email="$INVOKER_SA" --oidc-token-audience="$uri" \
    --attempt-deadline="$4" --max-retry-attempts="$5" --min-backoff="$6" --max-backoff="$7" \
    --max-doublings=3
}

step "Cloud Scheduler jobs ($TIME_ZONE)"
# Both handlers are idempotent, so a retry after a timeout is harmless; backoff stays under the period.
schedule_job tumbuh-scheduler-tick tumbuh-scheduler "$SCHEDULER_CRON" 300s 2 30s 120s
schedule_job tumbuh-backup-nightly tumbuh-backup "$BACKUP_CRON" 1800s 3 300s 1800s

# ---------------------------------------------------------------------------------------------------
# Done: what a person still has to do
# ---------------------------------------------------------------------------------------------------
lookup WEBHOOK_URL "https://tumbuh-webhook-DRYRUN.a.run.app" gcloud functions describe tumbuh-webhook \
  --gen2 --region="$REGION" --format='value(serviceConfig.uri)'
step "Next steps (once per project)"
note "Meta app > WhatsApp > Configuration: callback URL $WEBHOOK_URL, verify token = secret $(secret_name WHATSAPP_VERIFY_TOKEN)"
note "Apps Script: Script Property TUMBUH_SECRET = the value of secret $(secret_name APPS_SCRIPT_SECRET)"
note "PostgreSQL 15 lets only the schema owner create tables: as the postgres user, once, run"
note "  GRANT ALL ON SCHEMA public TO \"$DB_USER\";"
if ((DRY_RUN)); then note "dry run: nothing was called"; fi
