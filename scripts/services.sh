#!/usr/bin/env bash
# Real local PostgreSQL and Redis for Tumbuh: a throwaway cluster and server on loopback, never a system one.
#
#   scripts/services.sh run -- CMD [ARGS...]   start both, run CMD with DATABASE_URL and REDIS_URL set, stop both after
#   scripts/services.sh install                install what is missing (Debian's postgresql and redis-server)
#   scripts/services.sh clean                  stop and remove what a crashed run left behind
#
# Each run gets its own cluster in a fresh folder and its own ports (55432 / 56379 first, the next free one when
# taken), so two runs side by side, or a run beside a system server on 5432 / 6379, never collide. A run that was
# killed leaves a folder whose owner process is gone; the next run (or `clean`) stops its servers and removes it.
# Works as root (PostgreSQL refuses root, so the cluster runs as the postgres user) and as a normal user with sudo.
#
# TUMBUH_KEEP_DATA=1 (`make run KEEP=1`) keeps PostgreSQL's data between runs in .run/postgres (a folder instead of
# 1 keeps it there): the cluster is made once, later runs start it again, one run at a time. Redis stays throwaway:
# conversations time out after a day anyway, and the chart media ids it caches belong to the last run's Graph API
# stand-in. The default stays throwaway so that every run, and every test run, starts from the same empty schema.
set -euo pipefail

SVC_ROOT="${TUMBUH_SVC_ROOT:-${TMPDIR:-/tmp}/tumbuh-services}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_PORT_FIRST="${TUMBUH_PG_PORT:-55432}"
REDIS_PORT_FIRST="${TUMBUH_REDIS_PORT:-56379}"
PG_MIN_MAJOR=15
REDIS_MIN_MAJOR=7

say() { printf 'services: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root or sudo to run: $*"
  fi
}

# PostgreSQL will not run as root: as root, run its tools as the postgres user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bindir() {
  local dir best="" major
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] || continue
    major=$(basename "$(dirname "$dir")")
    if [ "${major%%.*}" -ge "$PG_MIN_MAJOR" ] 2>/dev/null; then
      if [ -z "$best" ] || [ "${major%%.*}" -gt "$(basename "$(dirname "$best")")" ]; then best=$dir; fi
    fi
  done
  printf '%s' "$best"
}

redis_ok() {
  command -v redis-server >/dev/null 2>&1 || return 1
  local v
  v=$(redis-server --version | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')
  [ -n "$v" ] && [ "$v" -ge "$REDIS_MIN_MAJOR" ]
}

install_missing() {
  local need=()
  [ -n "$(pg_bindir)" ] || need+=(postgresql)
  redis_ok || need+=(redis-server)
  command -v runuser >/dev/null 2>&1 || need+=(util-linux)
  [ ${#need[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing ${need[*]} and no apt-get: install PostgreSQL >= $PG_MIN_MAJOR and Redis >= $REDIS_MIN_MAJOR yourself"
  say "installing ${need[*]} (Debian packages)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -n "$(pg_bindir)" ] || die "PostgreSQL >= $PG_MIN_MAJOR still missing after install"
  redis_ok || die "Redis >= $REDIS_MIN_MAJOR still missing after install"
}

port_free() {
  # Succeeds when nothing listens on 127.0.0.1:$1.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local p=$1 tries=0
  while ! port_free "$p"; do
    p=$((p + 1)); tries=$((tries + 1))
    [ $tries -lt 50 ] || die "no free port near $1"
  done
  printf '%s' "$p"
}

keep_dir() {
  # The folder TUMBUH_KEEP_DATA asks to keep PostgreSQL's data in; empty when data is thrown away.
  local want="${TUMBUH_KEEP_DATA:-}"
  case "$want" in
    ""|0) return 0 ;;
    1) printf '%s' "$REPO/.run/postgres" ;;
    /*) printf '%s' "$want" ;;
    *) printf '%s' "$PWD/$want" ;;
  esac
}

stop_instance() {
  # Stops the servers of one instance folder (quietly, whatever state they are in) and removes it; kept data
  # (the folder its pg_datadir names) stays.
  local dir=$1 bindir pid datadir
  bindir=$(cat "$dir/pg_bindir" 2>/dev/null || pg_bindir)
  datadir=$(cat "$dir/pg_datadir" 2>/dev/null || printf '%s' "$dir/pg/data")
  if [ -f "$datadir/postmaster.pid" ] && [ -n "$bindir" ]; then
    as_pg "$bindir/pg_ctl" -D "$datadir" -m fast -w -t 20 stop >/dev/null 2>&1 \
      || as_pg "$bindir/pg_ctl" -D "$datadir" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/redis.pid" ]; then
    pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$dir"
}

clean_stale() {
  local dir owner
  [ -d "$SVC_ROOT" ] || return 0
  for dir in "$SVC_ROOT"/*/; do
    [ -d "$dir" ] || continue
    dir=${dir%/}
    owner=$(cat "$dir/owner" 2>/dev/null || true)
    # A killed owner may linger as a zombie until reaped; kill -0 still succeeds on those.
    if [ -z "$owner" ] || ! kill -0 "$owner" 2>/dev/null || [ "$(ps -o stat= -p "$owner" 2>/dev/null | cut -c1)" = Z ]; then
      say "removing stale instance $(basename "$dir") left by a run that did not stop cleanly"
      stop_instance "$dir"
    fi
  done
}

kept_cluster() {
  # Prepares the kept data folder $1 for this run: checks the postgres user can reach it, that no other run uses
  # it, and that its PostgreSQL is installed; prints the bindir to run it with (the one it was made with).
  local keep=$1 bindir major
  mkdir -p "$keep" || die "cannot make $keep"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$keep"
    runuser -u postgres -- test -w "$keep" \
      || die "the postgres user cannot reach $keep (a parent folder is private); pass KEEP=/var/tmp/tumbuh-postgres or another folder it can reach"
  fi
  chmod 700 "$keep"
  bindir=$(pg_bindir)
  if [ -f "$keep/data/PG_VERSION" ]; then
    major=$(cat "$keep/data/PG_VERSION")
    bindir="/usr/lib/postgresql/$major/bin"
    [ -x "$bindir/pg_ctl" ] || die "the data kept in $keep is PostgreSQL $major's, which is not installed; remove the folder to start afresh"
    if as_pg "$bindir/pg_ctl" -D "$keep/data" status >/dev/null 2>&1; then
      die "another run is using the data kept in $keep (runs that keep data run one at a time)"
    fi
  fi
  printf '%s' "$bindir"
}

start_instance() {
  # Starts PostgreSQL and Redis in a new folder owned by process $1; prints the folder. With TUMBUH_KEEP_DATA,
  # PostgreSQL's data lives in the kept folder instead and outlives the instance folder.
  local owner=$1 bindir dir pg_port redis_port attempt keep datadir settings fresh=1
  keep=$(keep_dir)
  if [ -n "$keep" ]; then bindir=$(kept_cluster "$keep") || exit 1; else bindir=$(pg_bindir); fi
  mkdir -p "$SVC_ROOT"; chmod 1777 "$SVC_ROOT" 2>/dev/null || true
  dir=$(mktemp -d "$SVC_ROOT/run.XXXXXX")
  chmod 755 "$dir"
  echo "$owner" > "$dir/owner"
  echo "$bindir" > "$dir/pg_bindir"
  datadir="$dir/pg/data"
  # fsync and friends are off for a cluster thrown away when the run ends; kept data must survive a crash.
  settings="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [ -n "$keep" ]; then
    datadir="$keep/data"
    settings="-c synchronous_commit=off"
    [ -f "$datadir/PG_VERSION" ] && fresh=0
  fi
  echo "$datadir" > "$dir/pg_datadir"
  mkdir "$dir/pg"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir/pg"
    runuser -u postgres -- test -w "$dir/pg" \
      || die "the postgres user cannot reach $dir (a parent folder is private); set TUMBUH_SVC_ROOT to a folder under /tmp"
  fi
  if [ "$fresh" -eq 1 ]; then
    as_pg "$bindir/initdb" -D "$datadir" -U tumbuh --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  fi
  for attempt in 1 2 3 4 5; do
    pg_port=$(free_port "$PG_PORT_FIRST")
    if as_pg "$bindir/pg_ctl" -D "$datadir" -l "$dir/pg/log" -w -t 30 -o \
        "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1 $settings -c max_connections=200" \
        start >/dev/null 2>&1; then
      break
    fi
    [ "$attempt" -lt 5 ] || { cat "$dir/pg/log" >&2; die "PostgreSQL did not start"; }
    PG_PORT_FIRST=$((pg_port + 1))
  done
  if [ "$fresh" -eq 1 ]; then
    as_pg "$bindir/createdb" -h 127.0.0.1 -p "$pg_port" -U tumbuh tumbuh
  else
    say "PostgreSQL data kept in $keep (from earlier runs)"
  fi
  for attempt in 1 2 3 4 5; do
    redis_port=$(free_port "$REDIS_PORT_FIRST")
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
      --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 100); do
      [ -f "$dir/redis.pid" ] && redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
      sleep 0.05
    done
    if redis-cli -p "$redis_port" ping >/dev/null 2>&1 && [ -f "$dir/redis.pid" ]; then break; fi
    [ "$attempt" -lt 5 ] || { cat "$dir/redis.log" >&2; die "Redis did not start"; }
    REDIS_PORT_FIRST=$((redis_port + 1))
  done
  {
    echo "DATABASE_URL=postgresql://tumbuh@127.0.0.1:$pg_port/tumbuh"
    echo "REDIS_URL=redis://127.0.0.1:$redis_port/0"
  } > "$dir/env"
  printf '%s' "$dir"
}

cmd_run() {
  [ "${1:-}" = "--" ] && shift
  [ $# -gt 0 ] || die "usage: services.sh run -- CMD [ARGS...]"
  install_missing
  clean_stale
  local started dir
  started=$(date +%s.%N)
  dir=$(start_instance "$$")
  # shellcheck disable=SC2064  # expand $dir now: the trap must stop this instance, whatever happens later
  trap "stop_instance '$dir'" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  set -a
  # shellcheck disable=SC1091
  . "$dir/env"
  set +a
  say "PostgreSQL $DATABASE_URL and Redis $REDIS_URL up in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $started}") s"
  local rc=0
  "$@" || rc=$?
  return $rc
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  install) install_missing ;;
  clean) clean_stale ;;
  *) die "usage: services.sh run -- CMD [ARGS...] | install | clean" ;;
esac
