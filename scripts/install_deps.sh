#!/usr/bin/env bash
# Install the addon's Python dependencies (pyproject.toml) when one of them is missing.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if ! python3 -c "import pandas, sklearn, phonenumbers, requests, freezegun, websocket" 2>/dev/null; then
    echo "Installing Python dependencies (pip install -e .)"
    python3 -m pip install --quiet --disable-pip-version-check -e "$top"
fi
