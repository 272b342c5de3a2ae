# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import TODAY, DunningCommon, days


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningPause(DunningCommon):
    """The Pause Dunning wizard, as the invoice list's action opens it."""

    def test_pause_posts_one_message(self):
        invoices = self._invoice(self.customer, days(-8)) + self._invoice(
            self.other_customer, days(-3)
        )
        messages = invoices.message_ids
        wizard = Form(
            self.env["dunning.pause"].with_context(
                active_model="account.move", active_ids=invoices.ids
            )
        )
        wizard.paused_until = days(20)
        wizard.reason = "manual"
        wizard.note = "Waiting for the customer's new purchase order."
        wizard.save().action_pause()
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking messages are posted on commit
        for invoice in invoices:
            with self.subTest(invoice=invoice.name):
                new = invoice.message_ids - messages
                self.assertEqual(
                    len(new),
                    1,
                    "one message per invoice, not a tracking message besides",
                )
                self.assertIn("Dunning paused until", new.body)
                self.assertIn("new purchase order", new.body)
                self.assertEqual(new.author_id, self.env.user.partner_id)
                self.assertEqual(
                    (invoice.dunning_paused_until, invoice.dunning_pause_reason),
                    (days(20), "manual"),
                )
                self.assertEqual(invoice.dunning_state, "paused")
        self._run()
        self.assertFalse(self._communications())
