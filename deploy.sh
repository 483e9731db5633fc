#!/usr/bin/env bash
# deploy.sh — deploy Tumbuh to Google Cloud (Cloud Functions gen2 + Cloud SQL + Memorystore + Scheduler + Tasks).
#
# Usage: ./deploy.sh [--env prod|staging] [--dry-run] [--help]
#   --env ENV      Which deployment [prod]. staging is the same functions in a project of its own, with its own
#                  secrets, database and Meta test number (README: Staging and promotion). The configuration
#                  below is read from deploy.ENV.env beside this script when it exists (KEY=value lines; not
#                  secrets: those stay in Secret Manager), then from the environment, which wins.
#                  Every function gets TUMBUH_ENV=ENV and the label tumbuh-env=ENV, and the script refuses a
#                  project whose functions carry the other environment's label: staging never lands on prod.
#                  staging defaults WEBHOOK_MIN_INSTANCES to 0 (no warm instance to pay for).
#   --dry-run, -n  Print every gcloud command instead of running it; needs no gcloud and no credentials.
#                  Staging still runs (it is local), so build/<fn>/ shows exactly what would be uploaded.
#                  Dry-run assumes a fresh project: every "create if absent" step prints its create form.
#
# Output: "+ gcloud …" lines are the commands that change things (shell-quoted, copy-pasteable).
#         "? gcloud …" lines are read-only probes/lookups (does it exist? what is its IP/URL/version?).
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
#   WHATSAPP_API_URL          [https://graph.facebook.com/v21.0]
#   BACKUP_BUCKET             [gs://<PROJECT_ID>-tumbuh-backup]
#   SQL_INSTANCE [tumbuh-pg]  SQL_TIER [db-g1-small]  DB_NAME [tumbuh]
#   SQL_PEERING_RANGE         [tumbuh-sql-range]  private services access range that gives Cloud SQL its private IP
#   REDIS_INSTANCE [tumbuh-redis]  REDIS_SIZE_GB [1]
#   VPC_NETWORK [default]  VPC_CONNECTOR [tumbuh-conn]  VPC_CONNECTOR_RANGE [10.8.0.0/28]
#   SCHEDULER_LOCATION [$REGION]  SCHEDULER_CRON [*/5 * * * *]  BACKUP_CRON [0 2 * * *]  (Asia/Jakarta)
#   IAM_SETTLE_SECONDS        [20]  wait after creating a service account, before granting it roles
#   TASKS_QUEUE_NAME          [tumbuh-sends]  Cloud Tasks queue from the webhook to tumbuh-sender
#   WEBHOOK_MIN_INSTANCES     [1]  warm webhook instances, so a mother's first message after a quiet night does not
#                             wait for a cold start; the other functions keep 0. One idle instance at the webhook's
#                             512Mi (0.333 vCPU) for a month (730 h = 2,628,000 s), request-based billing, at the
#                             Cloud Run price list seen 2026-11-27 (idle min-instance: $0.0000025 per vCPU-second and
#                             per GiB-second in Tier 1): 875,124 vCPU-s x 0.0000025 = $2.19, 1,314,000 GiB-s x
#                             0.0000025 = $3.29, so $5.47; Jakarta is a Tier 2 region (about 1.4 x): about $7.66 a
#                             month, before the free tier. docs/operations.md#warm-instance.
#   NOTIFY_EMAIL              []  alerts go to this address (dry-run: operator@example.org)
#   NOTIFY_WHATSAPP           []  alerts go to this operator's WhatsApp number (several: comma-separated) through
#                             the webhook's /ops/alert route (dry-run: OPERATOR_WA_ID), which checks the token of
#                             secret tumbuh-alert-token (ALERT_TOKEN, at least 32 characters: openssl rand -hex 32;
#                             created like the secrets below). Neither set: alerts only show in the console.
#   Secrets live in Secret Manager as tumbuh-<name> (e.g. tumbuh-whatsapp-app-secret). When one is
#   missing and the variable of the same name is set (WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN,
#   WHATSAPP_ACCESS_TOKEN, APPS_SCRIPT_SECRET, SHEET_EDIT_SECRET, BACKUP_KEY, PSEUDONYM_KEY, DASHBOARD_KEY), it is
#   created from
#   that value via stdin. tumbuh-redis-url (TLS, with the AUTH string) and tumbuh-redis-ca (the instance's CA) are
#   made from the Memorystore instance. Each function gets the newest enabled version of each of its secrets, pinned by
#   number: after rotating a secret, deploy again.
#
# Least privilege (docs/security.md): one service account per function, holding only that function's secrets
# and rights; the schema is changed only by the tumbuh-migrate job (its own identity and database user), which
# runs before the functions deploy; Cloud SQL has no public IP; Memorystore needs AUTH and TLS.
# A project deployed before this layout (one tumbuh-fn identity owning the tables): once, as the postgres user,
#   REASSIGN OWNED BY "tumbuh-fn@PROJECT.iam" TO "tumbuh-migrator@PROJECT.iam";
# then deploy, and delete the tumbuh-fn service account.
#
# The deployer needs: Owner, or Editor + Project IAM Admin + Secret Manager Admin, on PROJECT_ID.
# Needs bash >= 4.4 (Cloud Shell, Debian/Ubuntu; not macOS's /bin/bash 3.2), python3 (monitoring/render.py; gcloud
# needs it anyway) and, except for --dry-run, gcloud.

set -euo pipefail

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { printf 'deploy.sh: %s\n' "$*" >&2; exit 1; }

DRY_RUN=0
DEPLOY_ENV=prod
while (($#)); do
  case $1 in
    -n | --dry-run) DRY_RUN=1 ;;
    --env) (($# > 1)) || die "--env needs prod or staging"; DEPLOY_ENV=$2; shift ;;
    --env=*) DEPLOY_ENV=${1#--env=} ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done

cd "$(dirname "${BASH_SOURCE[0]}")"
[[ $DEPLOY_ENV == prod || $DEPLOY_ENV == staging ]] || die "--env must be prod or staging (got: $DEPLOY_ENV)"

# deploy.ENV.env: this deployment's settings (project, phone number id, Apps Script URL...), under the environment's.
load_env_file() {
  local line key value
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    [[ $line =~ ^[[:space:]]*([A-Z][A-Z0-9_]*)=(.*)$ ]] || die "$1: not a KEY=value line: $line"
    key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    [[ $key == *SECRET* || $key == *TOKEN* || $key == *KEY* ]] &&
      die "$1: $key is a secret; give it in the environment once (it goes to Secret Manager), not in a file"
    [[ -n ${!key+set} ]] || export "$key=$value"
  done <"$1"
}
if [[ -f deploy.$DEPLOY_ENV.env ]]; then load_env_file "deploy.$DEPLOY_ENV.env"; fi

# ---------------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------------
if ((DRY_RUN)); then
  PROJECT_ID=${PROJECT_ID:-my-project}
  WHATSAPP_PHONE_NUMBER_ID=${WHATSAPP_PHONE_NUMBER_ID:-PHONE_NUMBER_ID}
  APPS_SCRIPT_URL=${APPS_SCRIPT_URL:-https://script.google.com/macros/s/SCRIPT_DEPLOYMENT_ID/exec}
  # Shown in the dry run's channel step; set either to an empty value to see the run without it.
  NOTIFY_EMAIL=${NOTIFY_EMAIL-operator@example.org}
  NOTIFY_WHATSAPP=${NOTIFY_WHATSAPP-OPERATOR_WA_ID}
fi
: "${PROJECT_ID:?set PROJECT_ID (or use --dry-run)}"
: "${WHATSAPP_PHONE_NUMBER_ID:?set WHATSAPP_PHONE_NUMBER_ID}"
: "${APPS_SCRIPT_URL:?set APPS_SCRIPT_URL (the Apps Script web app /exec URL)}"

REGION=${REGION:-asia-southeast2}
RUNTIME=${RUNTIME:-python311}
WHATSAPP_API_URL=${WHATSAPP_API_URL:-https://graph.facebook.com/v21.0}
BACKUP_BUCKET=${BACKUP_BUCKET:-gs://${PROJECT_ID}-tumbuh-backup}
SQL_INSTANCE=${SQL_INSTANCE:-tumbuh-pg}
SQL_TIER=${SQL_TIER:-db-g1-small}
DB_NAME=${DB_NAME:-tumbuh}
SQL_PEERING_RANGE=${SQL_PEERING_RANGE:-tumbuh-sql-range}
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
if [[ $DEPLOY_ENV == staging ]]; then WEBHOOK_MIN_INSTANCES=${WEBHOOK_MIN_INSTANCES:-0}; fi
WEBHOOK_MIN_INSTANCES=${WEBHOOK_MIN_INSTANCES:-1}
NOTIFY_EMAIL=${NOTIFY_EMAIL:-}
NOTIFY_WHATSAPP=${NOTIFY_WHATSAPP:-}

[[ $BACKUP_BUCKET == gs://* ]] || die "BACKUP_BUCKET must start with gs:// (got: $BACKUP_BUCKET)"
[[ $WEBHOOK_MIN_INSTANCES =~ ^[0-9]+$ ]] ||
  die "WEBHOOK_MIN_INSTANCES must be a whole number (got: $WEBHOOK_MIN_INSTANCES)"
command -v python3 >/dev/null || die "python3 not found on PATH (monitoring/render.py needs it)"

# One identity per function, so a stolen or misused one reaches only what that function needs. tumbuh-sender
# runs the scheduler's code and shares its identity. The invoker lets Cloud Scheduler call the private
# functions; the task identity is the one Cloud Tasks' tokens carry, and may call tumbuh-sender only.
sa() { printf '%s@%s.iam.gserviceaccount.com' "$1" "$PROJECT_ID"; }
WEBHOOK_SA=$(sa tumbuh-webhook)
SCHEDULER_SA=$(sa tumbuh-scheduler)
BACKUP_SA=$(sa tumbuh-backup)
DASHBOARD_SA=$(sa tumbuh-dashboard)
MIGRATOR_SA=$(sa tumbuh-migrator)
INVOKER_SA=$(sa tumbuh-invoker)
TASKS_SA=$(sa tumbuh-tasks)
declare -A SA_TITLE=(
  [$WEBHOOK_SA]="Tumbuh webhook (public)" [$SCHEDULER_SA]="Tumbuh scheduler and sender"
  [$BACKUP_SA]="Tumbuh backup" [$DASHBOARD_SA]="Tumbuh staff dashboard (public)"
  [$MIGRATOR_SA]="Tumbuh database migrator"
  [$INVOKER_SA]="Tumbuh Cloud Scheduler invoker" [$TASKS_SA]="Tumbuh Cloud Tasks caller of tumbuh-sender"
)
DB_SAS=("$WEBHOOK_SA" "$SCHEDULER_SA" "$BACKUP_SA" "$DASHBOARD_SA" "$MIGRATOR_SA") # each logs in to Cloud SQL as itself
db_user() { printf '%s' "${1%.gserviceaccount.com}"; } # Cloud SQL's IAM user name for a service account
SQL_CONNECTION=${PROJECT_ID}:${REGION}:${SQL_INSTANCE}
CONNECTOR_PATH=projects/${PROJECT_ID}/locations/${REGION}/connectors/${VPC_CONNECTOR}
NETWORK_PATH=projects/${PROJECT_ID}/global/networks/${VPC_NETWORK}

# Secrets given by the operator; REDIS_URL and REDIS_CA are made from the Memorystore instance.
SECRET_VARS=(WHATSAPP_APP_SECRET WHATSAPP_VERIFY_TOKEN WHATSAPP_ACCESS_TOKEN APPS_SCRIPT_SECRET SHEET_EDIT_SECRET BACKUP_KEY
  PSEUDONYM_KEY DASHBOARD_KEY)
REDIS_CA_PATH=/secrets/redis-ca/ca.pem # REDIS_CA is mounted as this file; REDIS_URL names it
# What each identity may read. The webhook never holds BACKUP_KEY; the backup holds nothing it does not use.
declare -A SECRETS_OF=(
  [$WEBHOOK_SA]="WHATSAPP_APP_SECRET WHATSAPP_VERIFY_TOKEN WHATSAPP_ACCESS_TOKEN SHEET_EDIT_SECRET PSEUDONYM_KEY REDIS_URL REDIS_CA"
  [$SCHEDULER_SA]="WHATSAPP_ACCESS_TOKEN APPS_SCRIPT_SECRET PSEUDONYM_KEY REDIS_URL REDIS_CA"
  [$BACKUP_SA]="BACKUP_KEY"
  # The dashboard signs its sessions and sends only the sign-in code: no app secret, no backup key.
  [$DASHBOARD_SA]="DASHBOARD_KEY WHATSAPP_ACCESS_TOKEN PSEUDONYM_KEY REDIS_URL REDIS_CA"
)
# With NOTIFY_WHATSAPP, the webhook's /ops/alert route checks the token Cloud Monitoring's channel carries (step 11).
if [[ -n $NOTIFY_WHATSAPP ]]; then
  SECRET_VARS+=(ALERT_TOKEN)
  SECRETS_OF[$WEBHOOK_SA]+=" ALERT_TOKEN"
fi
FUNCTIONS=(webhook scheduler backup dashboard)
BUILD=build

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

# Read-only lookup: stores the command's stdout in the variable named $1 (dry-run: $2). Newlines are dropped,
# except with lookup_text (a PEM certificate is several lines). Values are never printed.
lookup() { _lookup 1 "$@"; }
lookup_text() { _lookup 0 "$@"; }
_lookup() {
  local one_line=$1 var=$2 placeholder=$3 cmd=() value
  shift 3
  mapfile -d '' -t cmd < <(with_project "$@")
  printf '? %s\n' "$(quote_args "${cmd[@]}")"
  if ((DRY_RUN)); then value=$placeholder; else value=$("${cmd[@]}"); fi
  if ((one_line)); then value=${value//[$'\n\r']/}; fi
  printf -v "$var" '%s' "$value"
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

# write_env FILE KEY=VALUE... : plain configuration as YAML (values with commas or '=' would need gcloud's
# ^delim^ escaping in --set-env-vars). Never secrets; those come from Secret Manager.
write_env() {
  local file=$1 kv
  shift
  {
    printf '# Generated by deploy.sh; plain configuration only (secrets come from Secret Manager).\n'
    for kv in "$@"; do printf '%s: %s\n' "${kv%%=*}" "$(yaml_str "${kv#*=}")"; done
  } >"$file"
  note "wrote $file"
}

# ---------------------------------------------------------------------------------------------------
# 1. Stage sources: build/<fn>/ = main.py + requirements.txt + a real copy of shared/; build/migrate/ the job
# ---------------------------------------------------------------------------------------------------
stage_common() {
  local dest=$1
  [[ -f requirements.txt ]] || die "requirements.txt not found"
  [[ -d shared ]] || die "shared/ package not found"
  rm -rf -- "$dest"
  mkdir -p -- "$dest"
  cp -- requirements.txt "$dest/requirements.txt"
  # -L copies what symlinks point to: gcloud uploads a directory symlink as a dangling link.
  cp -RL -- shared "$dest/shared"
}

finish_stage() {
  local dest=$1
  find "$dest" \( -name __pycache__ -o -name '*.py[co]' \) -prune -exec rm -rf -- {} +
  # An explicit ignore file replaces gcloud's defaults, so the upload is exactly this directory.
  printf '%s\n' .gcloudignore '__pycache__/' '*.py[co]' >"$dest/.gcloudignore"
  note "staged $dest ($(find "$dest" -type f | wc -l | tr -d ' ') files)"
}

stage_function() {
  local fn=$1 dest=$BUILD/$1
  [[ -f functions/$fn/main.py ]] || die "functions/$fn/main.py not found"
  stage_common "$dest"
  cp -- "functions/$fn/main.py" "$dest/main.py"
  finish_stage "$dest"
}

# The migrator is a Cloud Run job built from source by buildpacks: the Procfile names its command.
stage_migrator() {
  local dest=$BUILD/migrate version=${RUNTIME#python}
  [[ -f scripts/migrate.py ]] || die "scripts/migrate.py not found"
  stage_common "$dest"
  mkdir -p -- "$dest/scripts"
  cp -- scripts/__init__.py scripts/migrate.py "$dest/scripts/"
  printf 'web: python -m scripts.migrate\n' >"$dest/Procfile"
  printf '%s.%s\n' "${version:0:1}" "${version:1}" >"$dest/.python-version" # python311 -> 3.11, as the functions
  finish_stage "$dest"
}

step "Stage function sources into $BUILD/"
mkdir -p -- "$BUILD"
for fn in "${FUNCTIONS[@]}"; do stage_function "$fn"; done
stage_migrator

# ---------------------------------------------------------------------------------------------------
# 2. APIs and service accounts
# ---------------------------------------------------------------------------------------------------
step "Environment $DEPLOY_ENV in project $PROJECT_ID"
# A project holds one environment: its functions' label says which. A first deploy finds none (nor does a project
# whose Cloud Functions API is still off). Checked before anything changes.
deployed_env=''
if exists gcloud functions describe tumbuh-webhook --gen2 --region="$REGION" --format='value(name)'; then
  lookup deployed_env '' gcloud functions describe tumbuh-webhook --gen2 --region="$REGION" \
    --format='value(labels.tumbuh-env)'
fi
if [[ -n $deployed_env && $deployed_env != "$DEPLOY_ENV" ]]; then
  die "project $PROJECT_ID holds the $deployed_env deployment; --env $DEPLOY_ENV goes to its own project"
fi

step "Enable APIs"
run gcloud services enable cloudfunctions.googleapis.com run.googleapis.com cloudbuild.googleapis.com \
  artifactregistry.googleapis.com cloudscheduler.googleapis.com secretmanager.googleapis.com \
  sqladmin.googleapis.com redis.googleapis.com vpcaccess.googleapis.com compute.googleapis.com \
  iam.googleapis.com storage.googleapis.com cloudtasks.googleapis.com servicenetworking.googleapis.com \
  sheets.googleapis.com drive.googleapis.com monitoring.googleapis.com logging.googleapis.com

step "Service accounts (one per function)"
sa_created=0
for account in "$WEBHOOK_SA" "$SCHEDULER_SA" "$BACKUP_SA" "$DASHBOARD_SA" "$MIGRATOR_SA" "$INVOKER_SA" "$TASKS_SA"; do
  if ! exists gcloud iam service-accounts describe "$account" --format='value(email)'; then
    run gcloud iam service-accounts create "${account%%@*}" --display-name="${SA_TITLE[$account]}"
    sa_created=1
  fi
done
if ((sa_created && !DRY_RUN)); then
  sleep "$IAM_SETTLE_SECONDS" # a new service account takes a few seconds to become visible to IAM calls
fi
# Connecting and logging in to Cloud SQL; what each may do inside is the database's business (roles, grants).
for account in "${DB_SAS[@]}"; do
  for role in roles/cloudsql.client roles/cloudsql.instanceUser; do
    run gcloud projects add-iam-policy-binding "$PROJECT_ID" --member="serviceAccount:$account" \
      --role="$role" --condition=None --format=none
  done
done

# ---------------------------------------------------------------------------------------------------
# 3. Cloud SQL (PostgreSQL) on a private IP, reached through the Cloud SQL connector with IAM database auth
# ---------------------------------------------------------------------------------------------------
step "Private services access on $VPC_NETWORK (Cloud SQL's private IP)"
if ! exists gcloud compute addresses describe "$SQL_PEERING_RANGE" --global --format='value(name)'; then
  run gcloud compute addresses create "$SQL_PEERING_RANGE" --global --purpose=VPC_PEERING --prefix-length=20 \
    --network="$VPC_NETWORK"
fi
if ! exists gcloud services vpc-peerings list --network="$VPC_NETWORK" \
  --service=servicenetworking.googleapis.com --format='value(peering)'; then
  run gcloud services vpc-peerings connect --service=servicenetworking.googleapis.com \
    --ranges="$SQL_PEERING_RANGE" --network="$VPC_NETWORK"
fi

step "Cloud SQL instance $SQL_INSTANCE"
# No public IP: only the VPC (through the connector) reaches it. Point-in-time recovery on top of the daily
# backups, and deletion protection, because it holds the only copy of every child's growth history.
# Automated backups at 01:00 WIB (18:00 UTC) complement the app's own nightly export at 02:00 WIB.
SQL_SAFETY=(--no-assign-ip "--network=$NETWORK_PATH" --backup-start-time=18:00 --enable-point-in-time-recovery
  --retained-transaction-log-days=7 --deletion-protection)
if ! exists gcloud sql instances describe "$SQL_INSTANCE" --format='value(name)'; then
  # The edition is explicit because shared-core tiers (db-g1-small) exist only in Enterprise edition.
  run gcloud sql instances create "$SQL_INSTANCE" --database-version=POSTGRES_15 --edition=enterprise \
    --tier="$SQL_TIER" --region="$REGION" --availability-type=zonal --storage-auto-increase \
    "${SQL_SAFETY[@]}" --database-flags=cloudsql.iam_authentication=on
else
  lookup SQL_STATE '' gcloud sql instances describe "$SQL_INSTANCE" --format='value(settings.ipConfiguration.ipv4Enabled,settings.backupConfiguration.pointInTimeRecoveryEnabled,settings.deletionProtectionEnabled)'
  if [[ $SQL_STATE != $'False\tTrue\tTrue' ]]; then
    note "$SQL_INSTANCE has a public IP, or lacks point-in-time recovery or deletion protection: patching"
    run gcloud sql instances patch "$SQL_INSTANCE" "${SQL_SAFETY[@]}"
  fi
fi
if ! exists gcloud sql databases describe "$DB_NAME" --instance="$SQL_INSTANCE" --format='value(name)'; then
  run gcloud sql databases create "$DB_NAME" --instance="$SQL_INSTANCE"
fi
for account in "${DB_SAS[@]}"; do
  user=$(db_user "$account")
  if ! exists gcloud sql users list --instance="$SQL_INSTANCE" --filter="name=$user" --format='value(name)'; then
    run gcloud sql users create "$user" --instance="$SQL_INSTANCE" --type=cloud_iam_service_account
  fi
done
# The migrator owns the schema and creates the runtime role; the functions' users get only that role, from it.
run gcloud sql users assign-roles "$(db_user "$MIGRATOR_SA")" --instance="$SQL_INSTANCE" \
  --type=cloud_iam_service_account --database-roles=cloudsqlsuperuser

# ---------------------------------------------------------------------------------------------------
# 4. Memorystore (Redis) with AUTH and TLS, and the Serverless VPC Access connector that reaches both
# ---------------------------------------------------------------------------------------------------
step "Memorystore $REDIS_INSTANCE"
# Conversation state holds children's names and birth dates until the flow ends: AUTH and in-transit encryption.
if ! exists gcloud redis instances describe "$REDIS_INSTANCE" --region="$REGION" --format='value(name)'; then
  run gcloud redis instances create "$REDIS_INSTANCE" --region="$REGION" --tier=basic \
    --size="$REDIS_SIZE_GB" --redis-version=redis_7_0 --network="$NETWORK_PATH" \
    --enable-auth --transit-encryption-mode=server-authentication
fi
lookup REDIS_TLS SERVER_AUTHENTICATION gcloud redis instances describe "$REDIS_INSTANCE" --region="$REGION" \
  --format='value(transitEncryptionMode)'
[[ $REDIS_TLS == SERVER_AUTHENTICATION ]] ||
  die "Memorystore $REDIS_INSTANCE has no in-transit encryption, which can only be chosen at creation: create an instance with --transit-encryption-mode=server-authentication and set REDIS_INSTANCE to it"

step "Serverless VPC Access connector $VPC_CONNECTOR"
if ! exists gcloud compute networks vpc-access connectors describe "$VPC_CONNECTOR" --region="$REGION" \
  --format='value(name)'; then
  run gcloud compute networks vpc-access connectors create "$VPC_CONNECTOR" --region="$REGION" \
    --network="$VPC_NETWORK" --range="$VPC_CONNECTOR_RANGE" --min-instances=2 --max-instances=3 \
    --machine-type=e2-micro
fi

# ---------------------------------------------------------------------------------------------------
# 5. Secrets (values never appear in output, in argv or in the function configuration)
# ---------------------------------------------------------------------------------------------------
# Replicated only in REGION: child health data stays in Indonesia (UU 27/2022 PDP).
# Reads the value on stdin; a dry run drains it (printing nothing), so the writer never meets a closed pipe.
create_secret() {
  run gcloud secrets create "$1" --replication-policy=user-managed --locations="$REGION" --data-file=-
  if ((DRY_RUN)); then cat >/dev/null; fi
}

step "Secrets in Secret Manager"
missing=()
for var in "${SECRET_VARS[@]}"; do
  name=$(secret_name "$var")
  if exists gcloud secrets describe "$name" --format='value(name)'; then
    :
  elif ((DRY_RUN)); then
    create_secret "$name" </dev/null
    note "(stdin: the value of \$$var; a real run stops if the secret is absent and \$$var is unset)"
  elif [[ -n ${!var:-} ]]; then
    printf '%s' "${!var}" | create_secret "$name"
  else
    missing+=("$name (or set $var)")
  fi
done
((${#missing[@]} == 0)) || die "missing secrets: ${missing[*]}"

# The whole Redis URL is a secret: it carries the AUTH string. The instance has a CA of its own, so verifying
# the certificate chain against it proves the server is this instance; the name check is off because the
# instance is reached by IP address, which Memorystore's certificate need not list as a name.
name=$(secret_name REDIS_URL)
if ! exists gcloud secrets describe "$name" --format='value(name)'; then
  lookup REDIS_HOST 10.0.0.3 gcloud redis instances describe "$REDIS_INSTANCE" --region="$REGION" --format='value(host)'
  lookup REDIS_TLS_PORT 6378 gcloud redis instances describe "$REDIS_INSTANCE" --region="$REGION" --format='value(port)'
  lookup REDIS_AUTH 00000000-0000-0000-0000-000000000000 gcloud redis instances get-auth-string "$REDIS_INSTANCE" \
    --region="$REGION" --format='value(authString)'
  [[ -n $REDIS_HOST && $REDIS_TLS_PORT =~ ^[0-9]+$ ]] || die "could not read the address of Memorystore $REDIS_INSTANCE"
  [[ $REDIS_AUTH =~ ^[A-Za-z0-9-]+$ ]] ||
    die "Memorystore $REDIS_INSTANCE has no AUTH string: gcloud redis instances update $REDIS_INSTANCE --region=$REGION --enable-auth"
  printf 'rediss://:%s@%s:%s/0?ssl_cert_reqs=required&ssl_ca_certs=%s&ssl_check_hostname=false' \
    "$REDIS_AUTH" "$REDIS_HOST" "$REDIS_TLS_PORT" "$REDIS_CA_PATH" | create_secret "$name"
  if ((DRY_RUN)); then note "(stdin: rediss://:AUTH@HOST:PORT/0?ssl_cert_reqs=required&ssl_ca_certs=$REDIS_CA_PATH&…)"; fi
fi
name=$(secret_name REDIS_CA)
if ! exists gcloud secrets describe "$name" --format='value(name)'; then
  lookup_text REDIS_CA_PEM '' gcloud redis instances describe "$REDIS_INSTANCE" --region="$REGION" \
    --flatten=serverCaCerts --format='value(serverCaCerts.cert)'
  [[ $REDIS_CA_PEM == *"BEGIN CERTIFICATE"* ]] || ((DRY_RUN)) || die "could not read the CA of Memorystore $REDIS_INSTANCE"
  printf '%s\n' "$REDIS_CA_PEM" | create_secret "$name"
  if ((DRY_RUN)); then note "(stdin: the instance's server CA certificates, PEM)"; fi
fi

# While the Sheet's edit key rotates, the webhook also takes pushes signed with the previous key
# (docs/operations.md, Rotating secrets): given only while that secret exists.
if exists gcloud secrets describe "$(secret_name SHEET_EDIT_SECRET_PREVIOUS)" --format='value(name)'; then
  SECRETS_OF[$WEBHOOK_SA]+=" SHEET_EDIT_SECRET_PREVIOUS"
fi

# Each identity reads only its own secrets, each pinned to the version live now (never :latest, which would
# let a new version reach running instances unreviewed, and differ between instances started before and after).
declare -A VERSION=()
for account in "$WEBHOOK_SA" "$SCHEDULER_SA" "$BACKUP_SA" "$DASHBOARD_SA"; do
  for var in ${SECRETS_OF[$account]}; do
    name=$(secret_name "$var")
    run gcloud secrets add-iam-policy-binding "$name" --member="serviceAccount:$account" \
      --role=roles/secretmanager.secretAccessor --format=none
    if [[ -z ${VERSION[$var]:-} ]]; then
      lookup version 1 gcloud secrets versions list "$name" --filter=state:enabled --sort-by=~createTime --limit=1 \
        --format='value(name)'
      version=${version##*/} # the list gives projects/…/versions/N
      [[ $version =~ ^[0-9]+$ ]] || die "secret $name has no enabled version"
      VERSION[$var]=$version
    fi
  done
done

# --set-secrets for an identity: NAME=secret:VERSION, and the Redis CA as a file.
secrets_flag() {
  local out=() var ref
  for var in ${SECRETS_OF[$1]}; do
    ref=$(secret_name "$var"):${VERSION[$var]}
    if [[ $var == REDIS_CA ]]; then out+=("$REDIS_CA_PATH=$ref"); else out+=("$var=$ref"); fi
  done
  (IFS=,; printf '%s' "${out[*]}")
}

# ---------------------------------------------------------------------------------------------------
# 6. Backup bucket: only the backup reaches it (it writes each night's objects, reads its manifests back to stay
#    idempotent, and deletes what the retention no longer keeps); a deletion stays recoverable for 7 days
# ---------------------------------------------------------------------------------------------------
step "Backup bucket $BACKUP_BUCKET"
if ! exists gcloud storage buckets describe "$BACKUP_BUCKET" --format='value(name)'; then
  run gcloud storage buckets create "$BACKUP_BUCKET" --location="$REGION" \
    --uniform-bucket-level-access --public-access-prevention --soft-delete-duration=7d
else
  run gcloud storage buckets update "$BACKUP_BUCKET" --soft-delete-duration=7d
fi
run gcloud storage buckets add-iam-policy-binding "$BACKUP_BUCKET" --member="serviceAccount:$BACKUP_SA" \
  --role=roles/storage.objectUser --format=none

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
  --member="serviceAccount:$WEBHOOK_SA" --role=roles/cloudtasks.enqueuer --format=none
# Creating a task that carries an OIDC token needs iam.serviceAccounts.actAs on the token's identity (Cloud Tasks
# OidcToken reference). That identity is the task one, which may invoke tumbuh-sender and nothing else.
run gcloud iam service-accounts add-iam-policy-binding "$TASKS_SA" --member="serviceAccount:$WEBHOOK_SA" \
  --role=roles/iam.serviceAccountUser --format=none
# Cloud Run's deterministic URL (service name, project number, region) is known before the first deploy,
# so the webhook's configuration can name tumbuh-sender's task endpoint.
lookup PROJECT_NUMBER 000000000000 gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)'
[[ $PROJECT_NUMBER =~ ^[0-9]+$ ]] || die "could not read the project number of $PROJECT_ID"
SENDER_URL=https://tumbuh-sender-${PROJECT_NUMBER}.${REGION}.run.app

# ---------------------------------------------------------------------------------------------------
# 8. Runtime configuration, then the migrator: the schema is current before any function starts
# ---------------------------------------------------------------------------------------------------
step "Runtime configuration $BUILD/env.*.yaml"
COMMON_ENV=(
  "TUMBUH_ENV=$DEPLOY_ENV"
  "CLOUD_SQL_INSTANCE=$SQL_CONNECTION"
  "DB_NAME=$DB_NAME"
  "DB_IAM_AUTH=true"
)
FUNCTION_ENV=(
  "WHATSAPP_PHONE_NUMBER_ID=$WHATSAPP_PHONE_NUMBER_ID"
  "WHATSAPP_API_URL=$WHATSAPP_API_URL"
  "APPS_SCRIPT_URL=$APPS_SCRIPT_URL"
  "BACKUP_BUCKET=$BACKUP_BUCKET"
  "TASKS_QUEUE=projects/$PROJECT_ID/locations/$REGION/queues/$TASKS_QUEUE_NAME"
  "TASKS_TARGET_URL=$SENDER_URL/tasks/deliver"
  "TASKS_SERVICE_ACCOUNT=$TASKS_SA"
  "SHEETS_API_URL=https://sheets.googleapis.com"
  "SHEETS_READER_ACCOUNT=$SCHEDULER_SA,$BACKUP_SA"
  "TZ_DEFAULT=$TIME_ZONE"
)
# The migrator lets the functions' database users in: the back-end functions through the runtime role (read and write
# the data), the public dashboard through the dashboard role only (read, and write only sign-ins, audit entries and
# the admin page's staff changes: migration 0014).
runtime_users=()
for account in "$WEBHOOK_SA" "$SCHEDULER_SA" "$BACKUP_SA"; do
  runtime_users+=("$(db_user "$account")")
done
write_env "$BUILD/env.tumbuh-migrate.yaml" "${COMMON_ENV[@]}" "DB_USER=$(db_user "$MIGRATOR_SA")" "DB_MIGRATE=true" \
  "RUNTIME_DB_USERS=$(IFS=,; printf '%s' "${runtime_users[*]}")" "DASHBOARD_DB_USERS=$(db_user "$DASHBOARD_SA")"
# Functions run without DB_MIGRATE: they check that the schema is current and never change it.
declare -A FN_SA=([tumbuh-webhook]=$WEBHOOK_SA [tumbuh-scheduler]=$SCHEDULER_SA [tumbuh-sender]=$SCHEDULER_SA
  [tumbuh-backup]=$BACKUP_SA [tumbuh-dashboard]=$DASHBOARD_SA)
for fn in tumbuh-webhook tumbuh-scheduler tumbuh-sender tumbuh-backup tumbuh-dashboard; do
  write_env "$BUILD/env.$fn.yaml" "${COMMON_ENV[@]}" "DB_USER=$(db_user "${FN_SA[$fn]}")" "${FUNCTION_ENV[@]}"
done
# The only numbers the webhook's /ops/alert route sends alerts to: a stolen alert token reaches nobody else.
if [[ -n $NOTIFY_WHATSAPP ]]; then
  printf 'OPERATOR_WA: %s\n' "$(yaml_str "$NOTIFY_WHATSAPP")" >>"$BUILD/env.tumbuh-webhook.yaml"
fi

step "Database migrations: Cloud Run job tumbuh-migrate, as $MIGRATOR_SA"
# The only identity holding the migrator database user; it also lets the functions' users in (their roles).
run gcloud run jobs deploy tumbuh-migrate --source="$BUILD/migrate" --region="$REGION" \
  --service-account="$MIGRATOR_SA" --vpc-connector="$CONNECTOR_PATH" --vpc-egress=private-ranges-only \
  --env-vars-file="$BUILD/env.tumbuh-migrate.yaml" --tasks=1 --max-retries=0 --task-timeout=600s
run gcloud run jobs execute tumbuh-migrate --region="$REGION" --wait

# ---------------------------------------------------------------------------------------------------
# 9. Functions, each as its own identity with its own secrets
# ---------------------------------------------------------------------------------------------------
# deploy_function NAME SOURCE_DIR ENTRY_POINT ACCESS_FLAG TIMEOUT MEMORY MAX_INSTANCES [MIN_INSTANCES]
# min-instances is always given (0 unless said), so lowering WEBHOOK_MIN_INSTANCES takes effect on the next deploy.
deploy_function() {
  local account=${FN_SA[$1]}
  run gcloud functions deploy "$1" --gen2 --region="$REGION" --runtime="$RUNTIME" --source="$2" \
    --entry-point="$3" --trigger-http "$4" --service-account="$account" --timeout="$5" \
    --memory="$6" --max-instances="$7" --min-instances="${8:-0}" --vpc-connector="$CONNECTOR_PATH" \
    --egress-settings=private-ranges-only --env-vars-file="$BUILD/env.$1.yaml" \
    --set-secrets="$(secrets_flag "$account")" --update-labels="tumbuh-env=$DEPLOY_ENV"
}

step "Deploy functions ($RUNTIME)"
# Webhook is public because Meta calls it; its X-Hub-Signature-256 check is the gate.
# max-instances caps Cloud SQL connections (db-g1-small allows about 50). WEBHOOK_MIN_INSTANCES stay warm (header).
deploy_function tumbuh-webhook "$BUILD/webhook" whatsapp_webhook --allow-unauthenticated 60s 512Mi 10 \
  "$WEBHOOK_MIN_INSTANCES"
# Private: the platform rejects any call without an OIDC token from an identity holding run.invoker.
# One instance each, so a slow run and the next tick never work the same rows twice.
deploy_function tumbuh-scheduler "$BUILD/scheduler" scheduler --no-allow-unauthenticated 300s 512Mi 1
deploy_function tumbuh-backup "$BUILD/backup" backup --no-allow-unauthenticated 1800s 1Gi 1
# The scheduler's code again, scaled for Cloud Tasks: it draws and sends the charts the webhook hands off
# (POST /tasks/deliver); its outbox claim makes a task delivered twice harmless.
deploy_function tumbuh-sender "$BUILD/scheduler" scheduler --no-allow-unauthenticated 60s 512Mi 5
# Public: staff reach it from their phones; its WhatsApp one-time code and revocable sessions are the gate.
deploy_function tumbuh-dashboard "$BUILD/dashboard" dashboard --allow-unauthenticated 30s 512Mi 5

# Cloud Scheduler calls the scheduler and the backup; Cloud Tasks (the task identity) only tumbuh-sender.
for fn in tumbuh-scheduler tumbuh-backup; do
  run gcloud functions add-invoker-policy-binding "$fn" --region="$REGION" --member="serviceAccount:$INVOKER_SA"
done
run gcloud functions add-invoker-policy-binding tumbuh-sender --region="$REGION" --member="serviceAccount:$TASKS_SA"

# ---------------------------------------------------------------------------------------------------
# 10. Cloud Scheduler jobs (OIDC-authenticated POSTs to the private functions)
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
# 11. Monitoring (monitoring/, docs/operations.md#monitoring): log-based metrics from the events the code logs
#     (shared/events.py), notification channels, alert policies, the uptime check and the dashboard. Each is found
#     by its name and updated in place, so a re-run changes what changed and duplicates nothing.
# ---------------------------------------------------------------------------------------------------
MON=$BUILD/monitoring
render() { python3 monitoring/render.py "$@"; }
rm -rf -- "$MON"
mkdir -p -- "$MON"
lookup WEBHOOK_URL "https://tumbuh-webhook-DRYRUN.a.run.app" gcloud functions describe tumbuh-webhook \
  --gen2 --region="$REGION" --format='value(serviceConfig.uri)'
WEBHOOK_HOST=${WEBHOOK_URL#https://}
WEBHOOK_HOST=${WEBHOOK_HOST%%/*}
[[ -n $WEBHOOK_HOST ]] || die "could not read the URL of function tumbuh-webhook"

step "Log-based metrics (monitoring/metrics.json)"
metric_names=$(render metrics monitoring/metrics.json "$MON") || die "monitoring/metrics.json was not rendered"
for metric in $metric_names; do
  if exists gcloud logging metrics describe "$metric" --format='value(name)'; then verb=update; else verb=create; fi
  run gcloud logging metrics "$verb" "$metric" --config-from-file="$MON/metric.$metric.json"
done

# channel FILE DISPLAY_NAME TYPE LABEL [--url-prefix=P]: the label's value (an address, a token) comes on stdin and
# goes to FILE only, never to argv or the output; the channel of that display name is created or updated (gcloud
# has notification channels in beta only), and FILE removed once used.
channels=()
channel() {
  local file=$1 display=$2 name
  render channel "$file" "$3" "$display" "$4" "${@:5}" || die "no value for notification channel \"$display\""
  lookup name '' gcloud beta monitoring channels list --filter="displayName=\"$display\"" --format='value(name)' \
    --limit=1
  if [[ -n $name ]]; then
    run gcloud beta monitoring channels update "$name" --channel-content-from-file="$file"
  else
    run gcloud beta monitoring channels create --channel-content-from-file="$file"
    lookup name "projects/$PROJECT_ID/notificationChannels/NEW-$3" gcloud beta monitoring channels list \
      --filter="displayName=\"$display\"" --format='value(name)' --limit=1
  fi
  if ((!DRY_RUN)); then rm -f -- "$file"; fi
  [[ -n $name ]] || die "could not read the name of notification channel \"$display\""
  channels+=("$name")
}

step "Notification channels"
if [[ -n $NOTIFY_EMAIL ]]; then
  channel "$MON/channel.email.json" "Tumbuh: operator e-mail" email email_address < <(printf '%s' "$NOTIFY_EMAIL")
fi
if [[ -n $NOTIFY_WHATSAPP ]]; then
  # Cloud Monitoring's token-authenticated webhook carries its token in the URL; the route checks it against the
  # version the webhook was deployed with (the same one) and sends to OPERATOR_WA only (step 8).
  lookup alert_token ALERT_TOKEN gcloud secrets versions access "${VERSION[ALERT_TOKEN]}" \
    --secret="$(secret_name ALERT_TOKEN)"
  channel "$MON/channel.whatsapp.json" "Tumbuh: operator WhatsApp" webhook_tokenauth url \
    --url-prefix="$WEBHOOK_URL/ops/alert?token=" < <(printf '%s' "$alert_token")
  alert_token=''
fi
if ((${#channels[@]} == 0)); then
  note "no NOTIFY_EMAIL or NOTIFY_WHATSAPP: the alert policies notify nobody (they still show in the console)"
fi

# Placeholders the monitoring JSON files may use; render.py refuses any other.
FILL=(--set "PROJECT_ID=$PROJECT_ID" --set "WEBHOOK_HOST=$WEBHOOK_HOST" --set "SQL_INSTANCE=$SQL_INSTANCE")

step "Uptime check on $WEBHOOK_URL/healthz"
# An uptime check runs from at least 3 regions ("At least 3 regions must be selected"), and asia-pacific is one
# location (Singapore, near Jakarta), so an Asia-Pacific-only check cannot be made. The other two are the nearest to
# it of those offered (usa-oregon, us-west1, and europe, europe-west1); on three continents, one path's trouble
# alone does not page: the webhook-unreachable policy needs 2 of 3 failing.
UPTIME_NAME=tumbuh-webhook-healthz
UPTIME_REGIONS=asia-pacific,usa-oregon,europe
UPTIME_RUN=(--path=/healthz --period=1 --timeout=10)
lookup uptime_id '' gcloud monitoring uptime list-configs --filter="displayName=\"$UPTIME_NAME\"" \
  --format='value(name.basename())' --limit=1
if [[ -n $uptime_id ]]; then
  run gcloud monitoring uptime update "$uptime_id" "${UPTIME_RUN[@]}" --set-regions="$UPTIME_REGIONS"
else
  run gcloud monitoring uptime create "$UPTIME_NAME" --resource-type=uptime-url \
    --resource-labels="host=$WEBHOOK_HOST,project_id=$PROJECT_ID" --protocol=https --port=443 \
    --validate-ssl=true "${UPTIME_RUN[@]}" --regions="$UPTIME_REGIONS"
fi

step "Alert policies (monitoring/alerts/)"
channel_flags=()
for name in "${channels[@]}"; do channel_flags+=(--channel "$name"); done
for src in monitoring/alerts/*.json; do
  dst=$MON/alert.${src##*/}
  display=$(render fill "$src" "$dst" "${FILL[@]}" "${channel_flags[@]}") || die "$src was not rendered"
  lookup policy '' gcloud monitoring policies list --filter="displayName=\"$display\"" --format='value(name)' \
    --limit=1
  if [[ -n $policy ]]; then
    run gcloud monitoring policies update "$policy" --policy-from-file="$dst"
  else
    run gcloud monitoring policies create --policy-from-file="$dst"
  fi
done

step "Dashboard (monitoring/dashboard.json)"
# Its name (projects/PROJECT/dashboards/tumbuh) is in the file, so it is created under a known id.
render fill monitoring/dashboard.json "$MON/dashboard.json" "${FILL[@]}" >/dev/null ||
  die "monitoring/dashboard.json was not rendered"
if exists gcloud monitoring dashboards describe tumbuh --format='value(name)'; then
  run gcloud monitoring dashboards update tumbuh --config-from-file="$MON/dashboard.json"
else
  run gcloud monitoring dashboards create --config-from-file="$MON/dashboard.json"
fi

# ---------------------------------------------------------------------------------------------------
# Done: what a person still has to do
# ---------------------------------------------------------------------------------------------------
step "Next steps (once per project)"
lookup DASHBOARD_URL "https://tumbuh-dashboard-DRYRUN.a.run.app" gcloud functions describe tumbuh-dashboard \
  --gen2 --region="$REGION" --format='value(serviceConfig.uri)'
note "Meta app > WhatsApp > Configuration: callback URL $WEBHOOK_URL, verify token = secret $(secret_name WHATSAPP_VERIFY_TOKEN)"
note "Meta WhatsApp Manager: approve the authentication template tumbuh_kode_masuk (docs/whatsapp-templates.md)"
note "Staff dashboard: $DASHBOARD_URL (add the first admin with SQL: INSERT INTO staff (wa_id, name, role) VALUES (...,'admin'))"
note "Apps Script: Script Property TUMBUH_SECRET = the value of secret $(secret_name APPS_SCRIPT_SECRET)"
note "Apps Script: Script Property TUMBUH_EDIT_SECRET = the value of secret $(secret_name SHEET_EDIT_SECRET), TUMBUH_EDIT_URL = $WEBHOOK_URL/sheet-edits"
note "After rotating a secret (gcloud secrets versions add), deploy again: functions use pinned versions"
note "Monitoring: dashboard \"Tumbuh\" and the alert policies \"Tumbuh: ...\" (Cloud Console > Monitoring); runbook in docs/operations.md"
if [[ -n $NOTIFY_WHATSAPP ]]; then
  note "WhatsApp alerts to OPERATOR_WA need the utility template tumbuh_peringatan_operator approved (docs/whatsapp-templates.md); until then, e-mail only"
fi
if ((DRY_RUN)); then note "dry run: nothing was called"; fi
