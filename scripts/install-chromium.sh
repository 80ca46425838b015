#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (test/browser/), unless a chromium is already
# on PATH. Idempotent; it uses apt only (the distribution's own package, so nothing is downloaded
# from any other site, and puppeteer-core never fetches a browser of its own). Runs as root in CI;
# elsewhere it uses sudo when there is one.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(chromium --version 2>/dev/null || echo present)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no chromium on PATH and no apt-get; install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-chromium: not root and no sudo; run: apt-get update && apt-get install -y chromium" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
echo "chromium: $(chromium --version 2>/dev/null)"
