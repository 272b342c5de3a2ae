# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A dunning run whose process is killed right after its first batch was committed (exit
17)."""

import os
import sys

import odoo.init  # noqa: F401
from odoo import SUPERUSER_ID, api
from odoo.modules.module import initialize_sys_path
from odoo.modules.registry import Registry
from odoo.tools import config

config.parse_config(sys.argv[1:])
initialize_sys_path()
from odoo.addons.dunning_automation.models.dunning_run import DunningRun  # noqa: E402

from .harness import configured_db, run_manually  # noqa: E402

registry = Registry(configured_db())
process_batch = DunningRun._process_batch
batches = []


def die_on_second_batch(run, reminders, commit=False):
    batches.append(reminders)
    if len(batches) == 2:
        os._exit(17)
    return process_batch(run, reminders, commit=commit)


DunningRun._process_batch = die_on_second_batch
with registry.cursor() as cr:
    run_manually(api.Environment(cr, SUPERUSER_ID, {}))
sys.exit(0)
