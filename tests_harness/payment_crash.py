# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A charge cron whose process is killed after its first idempotency key was committed,
as the provider is about to be called (exit 17)."""

import os
import sys

import odoo.init  # noqa: F401
from odoo import SUPERUSER_ID, api
from odoo.modules.module import initialize_sys_path
from odoo.modules.registry import Registry
from odoo.tools import config

config.parse_config(sys.argv[1:])
initialize_sys_path()
from odoo.addons.payment.models.payment_transaction import (  # noqa: E402
    PaymentTransaction,
)

from .harness import configured_db  # noqa: E402

registry = Registry(configured_db())


def die(transaction):
    os._exit(17)


PaymentTransaction._charge_with_token = die
with registry.cursor() as cr:
    api.Environment(cr, SUPERUSER_ID, {})["dunning.payment.attempt"]._cron_charge()
sys.exit(0)
