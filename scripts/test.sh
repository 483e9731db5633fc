#!/usr/bin/env bash
# Every test: architecture contracts, type check (mypy), Python tests (pytest) and Apps Script tests (node). Run
# inside scripts/services.sh, which provides DATABASE_URL and REDIS_URL. Fails when any suite fails or runs no test.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

echo "== import contracts (import-linter)"
.venv/bin/lint-imports --no-cache

echo "== type check (mypy: shared and functions, configured in pyproject.toml)"
.venv/bin/mypy

# Node runs the Apps Script tests, and the Python tests that talk to the real apps_script/ code over HTTP.
if ! command -v node >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  echo "installing nodejs (Debian package)" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs >/dev/null
fi

# LibreOffice computes the Sheet's formulas for the parity tests (python -m shared.sheet recalc).
if ! command -v soffice >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  echo "installing libreoffice-calc-nogui (Debian package)" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null
fi

# Chromium runs the dashboard's browser tests (tests/browser), driven by Selenium through chromedriver; the emoji
# font draws the pages' icons in their screenshots as a phone does (without it they are empty boxes).
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || [ ! -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  echo "installing chromium, chromium-driver and fonts-noto-color-emoji (Debian packages)" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver \
    fonts-noto-color-emoji >/dev/null
fi

echo "== Python tests (pytest)"
# The integration and e2e tiers must not skip for want of services here: they are running.
export TUMBUH_REQUIRE_SERVICES=1
rc=0
"$PY" -m pytest "$@" || rc=$?
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi
[ "$rc" -eq 0 ] || exit "$rc"

echo "== Apps Script tests (node --test)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
(cd apps_script && node --test test/*.test.js) 2>&1 | tee "$out" || rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
# node's summary line is "# pass N"; zero passing tests means the suite did not run.
passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out" | tail -n 1)
if [ -z "$passed" ] || [ "$passed" -eq 0 ]; then echo "node ran no Apps Script test: that is a failure" >&2; exit 1; fi
