#!/usr/bin/env bash
# make lint: OCA's linters on the repository, as OCA's pre-commit runs them: ruff (.ruff.toml:
# OCA's rules, 88 columns, isort sections), ruff format, and pylint-odoo's mandatory checks
# (.pylintrc-mandatory) on the addon. Prints "lint: clean" or the findings; exits non-zero on any.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if ! scripts/python -c "import pylint_odoo" 2>/dev/null || ! scripts/python -m ruff --version >/dev/null 2>&1; then
    echo "Installing the linters into .venv (pip install -e .[lint])"
    scripts/python -m pip install --quiet --disable-pip-version-check -e "$top[lint]" || exit 2
fi
rc=0
scripts/python -m ruff check --no-fix . || rc=1
scripts/python -m ruff format --check . || rc=1
scripts/python -m pylint --rcfile=.pylintrc-mandatory dunning_automation dunning_automation_contract dunning_automation_queue || rc=1
if [ "$rc" = 0 ]; then echo "lint: clean"; else echo "lint: findings above"; fi
exit "$rc"
