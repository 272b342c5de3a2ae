# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The points of a dunning run where the harness injects a fault: at each batch boundary
and inside each step of a batch."""

import os
import signal
from contextlib import ExitStack
from unittest.mock import patch

from odoo.addons.base.models.ir_cron import IrCron
from odoo.addons.dunning_automation.models.dunning_communication import (
    DunningCommunication,
)
from odoo.addons.dunning_automation.models.dunning_delivery import DunningDelivery
from odoo.addons.dunning_automation.models.dunning_run import DunningRun

# (name, class, method, before or after the original)
STEPS = (
    ("batch start", DunningRun, "_process_batch", "before"),
    ("reminder values", DunningDelivery, "_communication_values", "after"),
    ("seal", DunningCommunication, "_seal", "after"),
    ("deliver", DunningDelivery, "_deliver", "after"),
    ("advance invoices", DunningRun, "_advance_moves", "after"),
    ("batch commit", IrCron, "_commit_progress", "before"),
)


class InjectedFault(RuntimeError):
    pass


def raise_fault(step, call):
    raise InjectedFault(f"fault injected at {step}, call {call}")


def sigkill(step, call):
    os.kill(os.getpid(), signal.SIGKILL)


def inject(step_name, at_call, action=raise_fault):
    """Patch the step so that its ``at_call``-th call runs ``action`` (the other calls
    go through)."""
    [(name, cls, method, when)] = [step for step in STEPS if step[0] == step_name]
    original = getattr(cls, method)
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if when == "before" and len(calls) == at_call:
            action(name, at_call)
        result = original(*args, **kwargs)
        if when == "after" and len(calls) == at_call:
            action(name, at_call)
        return result

    stack = ExitStack()
    stack.enter_context(patch.object(cls, method, wrapper))
    return stack
