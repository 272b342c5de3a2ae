#!/usr/bin/env bash
# Install the addon's Python dependencies (pyproject.toml), and the addon itself as
# odoo.addons.dunning_automation in editable mode, when a dependency is missing or the installed
# addon is another checkout's (the server would import that checkout's code).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
installed=$(python3 -c "
import importlib.util
spec = importlib.util.find_spec('odoo.addons.dunning_automation')
print(spec.origin if spec else '')
" 2>/dev/null || true)
if [ "$installed" != "$top/dunning_automation/__init__.py" ] \
    || ! python3 -c "import pandas, sklearn, phonenumbers, requests, freezegun, websocket" 2>/dev/null; then
    echo "Installing the addon and its Python dependencies (pip install -e .)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e "$top"
fi
