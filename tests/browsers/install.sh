#!/usr/bin/env bash
# What a fresh Debian (12, bookworm) machine needs for the real-browser tests (CSE_PDF_BROWSERS=1):
# Debian's Chromium and Firefox ESR, and npm puppeteer-core (which never downloads a browser).
# Run as root from anywhere; ~1 GB of packages, about 30 s of apt on a fast mirror.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export DEBIAN_FRONTEND=noninteractive
missing=()
[ -x /usr/lib/chromium/chromium ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v firefox-esr >/dev/null || missing+=(firefox-esr)
command -v node >/dev/null || missing+=(nodejs)   # keep a newer Node the machine already has
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
npm ci --prefix "$here" --no-audit --no-fund >/dev/null
