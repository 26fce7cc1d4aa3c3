#!/usr/bin/env bash
# Installs Debian's Chromium when no Chromium is on the machine: the simulator's page test (test/simulator/) and the
# console's browser test (test/console/) drive it headless through playwright-core, which downloads no browser of its
# own. Also a CJK font when the machine has none, so that the console's Chinese pages read in the screenshots CI keeps.
# Idempotent; prints the browser it found.
set -euo pipefail

chromium=""
for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    chromium="$candidate"
    break
  fi
done
packages=()
[ -z "$chromium" ] && packages+=(chromium)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then packages+=(fonts-wqy-microhei); fi
if [ "${#packages[@]}" -eq 0 ]; then
  echo "chromium: $chromium"
  exit 0
fi
if [ -n "$chromium" ]; then without="the Chinese screenshots will show no glyphs"; else without="the page screenshot tests will be skipped"; fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: cannot install ${packages[*]} without apt-get; $without" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "chromium: cannot install ${packages[*]}, not root; $without" >&2
    exit 0
  fi
fi
echo "chromium: installing Debian's ${packages[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
echo "chromium: $(command -v chromium)"
