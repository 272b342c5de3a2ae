# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A manual dunning run whose process SIGKILLs itself at a given point:
``python3 -m tests_harness.crash STEP CALL [odoo options]``."""

import sys

import odoo.init  # noqa: F401
from odoo import SUPERUSER_ID, api
from odoo.modules.module import initialize_sys_path
from odoo.modules.registry import Registry
from odoo.tools import config

step, call, *odoo_args = sys.argv[1:]
config.parse_config(odoo_args)
initialize_sys_path()
from .faults import inject, sigkill  # noqa: E402
from .harness import configured_db, run_manually  # noqa: E402

registry = Registry(configured_db())
with inject(step, int(call), sigkill), registry.cursor() as cr:
    run_manually(api.Environment(cr, SUPERUSER_ID, {}))
sys.exit(0)
