# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import post_overdue_invoice


@tagged("post_install", "-at_install")
class TestDunningUi(HttpCase):
    """Browser tours in Chromium, as an accounting manager would click through."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.company.email = cls.company.email or "info@yourcompany.example.com"
        cls.policy = cls.company.dunning_policy_id

    def _overdue_invoice(self, partner, days_overdue):
        return post_overdue_invoice(self.env, partner, days_overdue)

    def test_configure_level(self):
        self.start_tour("/odoo", "dunning_configure_level", login="admin")
        level = self.policy.level_ids.filtered(
            lambda level: level.name == "Legal notice"
        )
        self.assertEqual(level.trigger_days, 75)
        self.assertEqual(
            level.mail_template_id,
            self.env.ref("dunning_automation.mail_template_dunning_final"),
        )
        self.assertEqual(self.policy.level_ids.sorted("sequence")[-1], level)

    def test_preview(self):
        customer = self.env["res.partner"].create(
            {"name": "Tour Customer", "email": "tour@example.com"}
        )
        silent = self.env["res.partner"].create({"name": "Tour Customer Without Email"})
        invoices = self._overdue_invoice(customer, 10) + self._overdue_invoice(
            silent, 10
        )
        self.start_tour("/odoo", "dunning_preview", login="admin")
        self.assertFalse(
            self.env["dunning.communication"].search(
                [("partner_id", "in", (customer + silent).ids)]
            )
        )
        self.assertFalse(invoices.dunning_level_id, "the preview changes nothing")

    def test_resolve_dispute(self):
        customer = self.env["res.partner"].create(
            {"name": "Tour Debtor", "email": "debtor@example.com"}
        )
        promised, wrong_amount, not_received = (
            self._overdue_invoice(customer, days) for days in (10, 20, 30)
        )
        today = fields.Date.today()
        self.env["dunning.promise"].sudo()._portal_create(
            self.company, customer, promised.ids, today + timedelta(days=7), None
        )
        Dispute = self.env["dunning.dispute"].sudo()
        rejected = Dispute._portal_create(
            self.company, customer, wrong_amount.id, "wrong_amount", "Too much."
        )
        accepted = Dispute._portal_create(
            self.company, customer, not_received.id, "not_received", "Never came."
        )
        self.start_tour(
            "/odoo/action-dunning_automation.action_dunning_promise",
            "dunning_resolve_dispute",
            login="admin",
        )
        self.assertEqual(rejected.state, "rejected")
        self.assertFalse(wrong_amount.dunning_pause_reason, "dunning resumes")
        reply = wrong_amount.message_ids.filtered(
            lambda message: "signed quotation" in message.body
        )
        self.assertEqual(reply.partner_ids, customer, "the reply goes to the customer")
        self.assertEqual(accepted.state, "accepted")
        credit_note = self.env["account.move"].search(
            [("reversed_entry_id", "=", not_received.id)]
        )
        self.assertEqual(accepted.credit_note_id, credit_note)
        self.assertEqual(
            (credit_note.move_type, credit_note.amount_total), ("out_refund", 100.0)
        )
        self.assertEqual(not_received.amount_residual, 150.0, "the rest is still due")
