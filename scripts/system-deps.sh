#!/usr/bin/env bash
# System packages the tests and letters use, from Debian: Chromium (browser tests) and the
# DejaVu/Liberation fonts (letters lay out the same on every machine). Idempotent; needs root.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "DejaVuSans" || need+=(fonts-dejavu-core)
fc-list 2>/dev/null | grep -qi "Liberation" || need+=(fonts-liberation)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Hinweis: bitte installieren: ${need[*]} (Browser-Tests werden sonst übersprungen)" >&2
  exit 0
fi
echo "Installiere ${need[*]} …" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
