#!/usr/bin/env bash
# make pot: regenerate dunning_automation/i18n/dunning_automation.pot from a throwaway database.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/require_odoo.sh
db_opts=$(scripts/pg.sh start)
db="dunning_pot_$$"
conf=$(mktemp)
trap 'scripts/python scripts/db.py drop $db_opts "$db" >/dev/null 2>&1 || true; rm -f "$conf"' EXIT
# shellcheck disable=SC2086
scripts/python -m odoo $db_opts --http-interface=127.0.0.1 -d "$db" --addons-path="$top" -i dunning_automation --stop-after-init --log-level=warn
# `odoo i18n export` reads the connection from a configuration file
scripts/python - "$conf" $db_opts <<'PY'
import sys
options = dict(arg[2:].split("=", 1) for arg in sys.argv[2:])
with open(sys.argv[1], "w") as conf:
    conf.write("[options]\n" + "".join(f"{key} = {value}\n" for key, value in options.items()))
PY
scripts/python -m odoo --addons-path="$top" i18n export -c "$conf" -d "$db" dunning_automation -l pot
echo "Wrote dunning_automation/i18n/dunning_automation.pot"
