#!/usr/bin/env bash
# The checkout's own Python environment, .venv: a virtual environment that sees the machine's Odoo
# (--system-site-packages) and holds the addon's Python dependencies (pyproject.toml) and this
# checkout, installed as odoo.addons.dunning_automation in editable mode. Nothing is installed into
# the machine's Python, so two checkouts on one machine never re-point each other's addon and a
# deleted checkout breaks nothing. Prints nothing when the environment is up to date.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/require_odoo.sh"
venv="$top/.venv"
if ! "$venv/bin/python" -c "import odoo.release" 2>/dev/null; then
    echo "Creating the checkout's Python environment in $venv (it sees the machine's Odoo)"
    rm -rf "$venv"
    python3 -m venv --system-site-packages "$venv"
fi
installed=$("$venv/bin/python" -c "
import importlib.util
spec = importlib.util.find_spec('odoo.addons.dunning_automation')
print(spec.origin if spec else '')
" 2>/dev/null || true)
if [ "$installed" != "$top/dunning_automation/__init__.py" ] \
    || ! "$venv/bin/python" -c "import numpy, pandas, scipy, sklearn, threadpoolctl, freezegun, websocket, phonenumbers" 2>/dev/null; then
    echo "Installing the addon and its Python dependencies into $venv (pip install -e .)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$top"
fi
# OCA's contract 19.0, for the bridge addon dunning_automation_contract: without its
# dependencies (pip would pull a second Odoo), which are all Odoo's own addons.
if ! "$venv/bin/python" -m pip show --quiet odoo-addon-contract >/dev/null 2>&1; then
    echo "Installing OCA's contract 19.0 into $venv (pip install --no-deps)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
        "odoo-addon-contract>=19.0,<19.1"
fi
# OCA queue_job (for the dunning_automation_queue bridge), without its dependencies: Odoo's own
# are the machine's; of the two it declares, requests is Odoo's, openupgradelib (and its
# cssselect) is only imported by queue_job's migrations but checked at install.
if ! "$venv/bin/python" -c "
import importlib.util, openupgradelib, cssselect
assert importlib.util.find_spec('odoo.addons.queue_job')
" 2>/dev/null; then
    echo "Installing OCA queue_job 19.0 into $venv (pip install --no-deps)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
        "odoo-addon-queue_job>=19.0,<19.1" openupgradelib cssselect
fi
