#!/usr/bin/env bash
# Installs everything MotCua needs on a fresh Debian machine with Python 3.11:
# Debian packages (browser for UI tests, fonts, gettext, PDF libraries), the virtualenv with the
# pinned Python packages, front-end libraries from the npm registry, compiled translations.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

# --- Debian packages -------------------------------------------------------
DEB_PACKAGES=(chromium gettext nodejs npm fonts-dejavu-core fonts-noto-core fonts-liberation2
              libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql-client
              apache2-utils)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere than Debian (e.g. nodesource); accept any working node + npm.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]:-}"
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "==> installing Debian packages: ${missing[*]}"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "!! could not install ${missing[*]} (need root or sudo); browser tests and PDF rendering need them" >&2
  fi
fi

# --- Python ----------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  echo "==> creating virtualenv .venv with $PY"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> installing Python packages"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev]'
  rm -f .venv/.installed-*; touch "$stamp"
fi

# --- Front-end libraries (npm registry; no lock file with download addresses is committed) ----
vendor=src/motcua/static/vendor
nstamp=node_modules/.installed-$(sha256sum package.json | cut -c1-16)
if [ ! -f "$nstamp" ] || [ ! -f "$vendor/htmx.min.js" ]; then
  echo "==> installing front-end libraries from the npm registry"
  npm install --no-package-lock --no-audit --no-fund --silent
  node scripts/copy-vendor.mjs
  touch "$nstamp"
fi

# --- Translations ----------------------------------------------------------
.venv/bin/python -m motcua.cli compilemessages --ignore=.venv --ignore=node_modules -v 0
