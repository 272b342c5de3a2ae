# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Automatic charges with real commits: a process killed between the idempotency key and
the provider call, and two charge crons at the same moment. Never a second charge."""

import os
import subprocess
import sys
import threading
import traceback
from datetime import timedelta

from odoo import Command, fields
from odoo.modules.registry import Registry

from .harness import odoo_command

INVOICES = 8


class PaymentScenarios:
    """Run on the harness's database once its dunning scenarios are done."""

    def __init__(self, harness):
        self.harness = harness

    def install(self):
        subprocess.run(
            odoo_command(
                self.harness.args,
                "-i",
                "payment_demo",
                "--stop-after-init",
                "--log-level=warn",
                "--no-http",
            ),
            check=True,
        )
        self.registry = Registry.new(self.harness.db)

    def env(self, cr):
        return self.harness.env(cr)

    def reset_data(self, simulated_state):
        """Customers with a saved demo card, each with one invoice due today."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            company = env.ref("base.main_company")
            company.email = "billing@harness.example.com"
            company.dunning_policy_id.auto_charge = True
            provider = env.ref("payment.payment_provider_demo")
            provider.write({"state": "test", "company_id": company.id})
            method = env.ref("payment_demo.payment_method_demo")
            partners = env["res.partner"].create(
                [
                    {"name": f"Card customer {i}", "email": f"card{i}@example.com"}
                    for i in range(INVOICES)
                ]
            )
            env["payment.token"].create(
                [
                    {
                        "provider_id": provider.id,
                        "payment_method_id": method.id,
                        "partner_id": partner.id,
                        "payment_details": "4242",
                        "provider_ref": f"harness-{partner.id}",
                        "demo_simulated_state": simulated_state,
                    }
                    for partner in partners
                ]
            )
            today = fields.Date.context_today(partners)
            invoices = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": today - timedelta(days=30),
                        "invoice_date_due": today,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Subscription",
                                    "quantity": 1,
                                    "price_unit": 50.0,
                                    "tax_ids": [],
                                }
                            )
                        ],
                    }
                    for partner in partners
                ]
            )
            invoices.action_post()
            self.invoice_ids = invoices.ids

    def transactions_per_invoice(self, env):
        counts = {invoice_id: 0 for invoice_id in self.invoice_ids}
        for transaction in env["payment.transaction"].search(
            [("invoice_ids", "in", self.invoice_ids)]
        ):
            for invoice in transaction.invoice_ids:
                counts[invoice.id] += 1
        return sorted(set(counts.values()))

    def charge(self, barrier, errors):
        try:
            with self.registry.cursor() as cr:
                barrier.wait(timeout=60)
                self.env(cr)["dunning.payment.attempt"]._cron_charge()
        except Exception:  # noqa: BLE001 - reported as a failed check
            errors.append(traceback.format_exc())

    def scenario_killed_between_key_and_charge(self):
        check = self.harness.check
        self.reset_data("done")
        result = subprocess.run(
            [sys.executable, "-m", "tests_harness.payment_crash", *self.harness.args],
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            check=False,
        )
        check(
            "payment crash: the process died after the key, before the provider call",
            result.returncode == 17,
            f"(exit {result.returncode})",
        )
        with self.registry.cursor() as cr:
            env = self.env(cr)
            attempts = env["dunning.payment.attempt"].search(
                [("invoice_id", "in", self.invoice_ids)]
            )
            charging = attempts.filtered(lambda attempt: attempt.state == "charging")
            check(
                "payment crash: the key was committed before the charge",
                len(charging) == 1 and charging.transaction_id.state == "draft",
                f"({len(charging)} charging)",
            )
            # an hour and more later, the next crons find it interrupted
            charging.charged_at = fields.Datetime.now() - timedelta(hours=2)
        for _run in range(2):
            errors = []
            self.charge(threading.Barrier(1), errors)
            check("payment crash: the next cron finished", not errors, "".join(errors))
        with self.registry.cursor() as cr:
            env = self.env(cr)
            states = sorted(
                env["dunning.payment.attempt"]
                .search([("invoice_id", "in", self.invoice_ids)])
                .mapped("state")
            )
            check(
                "payment crash: the interrupted charge is not charged again, the "
                "others are paid",
                states == ["done"] * (INVOICES - 1) + ["interrupted"],
                f"({states})",
            )
            counts = self.transactions_per_invoice(env)
            check(
                "payment crash: one transaction per invoice",
                counts == [1],
                f"(counts: {counts})",
            )

    def scenario_concurrent_crons(self):
        check = self.harness.check
        self.reset_data("done")
        barrier, errors = threading.Barrier(2), []
        threads = [
            threading.Thread(target=self.charge, args=(barrier, errors))
            for _index in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        check("concurrent charge crons: both finished", not errors, "".join(errors))
        # whatever one of them left (attempts planned by the other) the next one charges
        self.charge(threading.Barrier(1), errors)
        with self.registry.cursor() as cr:
            env = self.env(cr)
            counts = self.transactions_per_invoice(env)
            check(
                "concurrent charge crons: each invoice charged exactly once",
                counts == [1],
                f"(counts: {counts})",
            )
            paid = env["account.move"].browse(self.invoice_ids).mapped("payment_state")
            check(
                "concurrent charge crons: every invoice paid",
                set(paid) <= {"paid", "in_payment"},
                f"({sorted(set(paid))})",
            )

    def run(self):
        self.install()
        self.scenario_killed_between_key_and_charge()
        self.scenario_concurrent_crons()
