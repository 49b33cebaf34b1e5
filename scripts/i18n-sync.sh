#!/usr/bin/env bash
# Developer tool: extract messages into every catalogue, fill empty Vietnamese entries from
# i18n-pending/*.json ({"English msgid": "Vietnamese msgstr"}), compile. Serialised with flock so that
# several people (or helper sessions) can run it in the same checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>.i18n.lock
flock 9
(cd src/motcua && ../../.venv/bin/motcua makemessages -l vi --no-obsolete -v 0)
.venv/bin/python scripts/i18n_fill.py i18n-pending
.venv/bin/python -m motcua.cli compilemessages --ignore=.venv --ignore=node_modules -v 0
