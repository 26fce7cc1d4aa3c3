#!/usr/bin/env bash
# Installs Debian's Chromium when no Chromium is on the machine: the simulator's page test (test/simulator/) drives it
# headless through playwright-core, which downloads no browser of its own. Idempotent; prints the browser it found.
set -euo pipefail

for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "chromium: $candidate"
    exit 0
  fi
done

if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: not found, and no apt-get to install it; the page screenshot test will be skipped" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "chromium: not found, and not root to install it; the page screenshot test will be skipped" >&2
    exit 0
  fi
fi
echo "chromium: installing Debian's chromium"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
echo "chromium: $(command -v chromium)"
