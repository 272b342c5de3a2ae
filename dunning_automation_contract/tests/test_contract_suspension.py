# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import datetime

from odoo import Command
from odoo.tests import tagged

from odoo.addons.dunning_automation.tests.test_payment_attempt import (
    DunningPaymentCommon,
)


@tagged("post_install", "-at_install")
class TestContractSuspension(DunningPaymentCommon):
    """A contract's invoice declined for good: the contract is suspended after the
    policy's days, not invoiced while suspended, and resumed once the invoice is
    paid."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.suspend_after_days = 2
        cls.policy.auto_charge_on = "invoice_date"
        cls.card.demo_simulated_state = "cancel"
        product = cls.env["product.product"].create(
            {"name": "Hosting", "type": "service", "list_price": 30.0}
        )
        cls.contract = cls.env["contract.contract"].create(
            {
                "name": "Hosting plan",
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                "line_recurrence": True,
                "contract_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": "Hosting",
                            "quantity": 1,
                            "price_unit": 30.0,
                            "recurring_rule_type": "monthly",
                            "recurring_interval": 1,
                            "date_start": "2026-02-16",
                            "recurring_next_date": "2026-02-16",
                        }
                    )
                ],
            }
        )

    def _contract_invoice(self):
        invoice = self.contract.recurring_create_invoice()
        invoice.filtered(lambda move: move.state == "draft").action_post()
        return invoice

    def test_suspend_and_resume(self):
        invoice = self._contract_invoice()
        self.assertEqual(invoice._dunning_contracts(), self.contract)
        self._charge(datetime(2026, 2, 16, 9))
        self.assertFalse(self.contract.dunning_suspended)
        self._charge(datetime(2026, 2, 18, 10))
        self.assertTrue(invoice.dunning_suspended)
        self.assertTrue(self.contract.dunning_suspended)
        self.assertIn(
            "could not be charged",
            "\n".join(self.contract.message_ids.mapped("body")),
        )
        Contract = self.env["contract.contract"]
        self.assertNotIn(
            self.contract,
            Contract.search(Contract._get_contracts_to_invoice_domain("2026-03-20")),
            "a suspended contract is not invoiced",
        )
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": "2026-02-19"})._create_payments()
        self._charge(datetime(2026, 2, 19, 10))
        self.assertFalse(self.contract.dunning_suspended)
        self.assertIn(
            self.contract,
            Contract.search(Contract._get_contracts_to_invoice_domain("2026-03-20")),
        )
