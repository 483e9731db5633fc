#!/usr/bin/env bash
# Debian splits venv/ensurepip out of python3: install python3-venv when `python3 -m venv` cannot work.
set -euo pipefail
if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
echo "installing python3-venv (Debian package)" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
