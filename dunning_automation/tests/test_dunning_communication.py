# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import DunningCommon, days


@tagged("post_install", "-at_install")
class TestDunningCommunication(DunningCommon, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "dunning_manager",
            groups="account.group_account_manager",
            company_id=cls.company.id,
        )
        cls.invoice = cls._invoice(cls.customer, days(-8))
        cls._invoice(cls.other_customer, days(-9))

    def setUp(self):
        super().setUp()
        self._run()
        self.communication = self._communications(self.customer)

    def test_snapshot_is_immutable(self):
        for user in (self.manager, self.env.user):
            communication = self.communication.with_user(user)
            for values in (
                {"subject": "changed"},
                {"partner_name": "X"},
                {"level_id": self.second.id},
            ):
                with self.assertRaises(UserError):
                    communication.write(values)
            with self.assertRaises(UserError):
                communication.unlink()
            with self.assertRaises(UserError):
                communication.line_ids.write({"amount_residual": 1.0})
            with self.assertRaises(UserError):
                communication.line_ids.unlink()
        with self.assertRaises(UserError):
            self.communication.sudo().write({"body_html": "<p>forged</p>"})
        with self.assertRaises(UserError):
            self.communication.sudo().unlink()
        with self.assertRaises(UserError):
            self.communication._seal()

    def test_hash_chain_detects_tampering(self):
        communications = self._communications()
        self.assertEqual(communications.mapped("chain_index"), [1, 2])
        self.assertEqual(communications[1].hash_previous, communications[0].hash)
        result = communications.action_verify_chain()
        self.assertEqual(result["params"]["type"], "success")
        self.assertFalse(
            self.env["dunning.communication"]._find_broken_link(self.company)
        )
        # tamper behind the ORM's back
        self.env.cr.execute(
            SQL(
                "UPDATE dunning_communication_line SET amount_residual = 1 WHERE "
                "communication_id = %s",
                communications[1].id,
            )
        )
        self.env.invalidate_all()
        self.assertEqual(
            self.env["dunning.communication"]._find_broken_link(self.company),
            communications[1],
        )
        result = communications.with_company(self.company).action_verify_chain()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn(f"#{communications[1].chain_index}", result["params"]["message"])

    def test_delivery_state_follows_the_mail(self):
        with self.mock_mail_gateway():
            self.communication.mail_id.send()
        self.assertEqual(self.communication.state, "sent")
        self.assertTrue(self.communication.sent_date)
        self.assertSentEmail(
            self.company.partner_id.email_formatted, [self.customer.email_formatted]
        )

    def test_failed_delivery(self):
        other = self._communications(self.other_customer)
        with self.mock_mail_gateway(), mute_logger("odoo.addons.mail.models.mail_mail"):
            self.send_email_mocked.side_effect = Exception("SMTP timeout")
            other.mail_id.send(raise_exception=False)
        self.assertEqual(other.state, "failed")
        self.assertTrue(other.failure_type)

    def test_paid_before_sending(self):
        """A reminder whose invoices are all paid by the time its email leaves is
        withdrawn."""
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({"payment_date": days(0)})._create_payments()
        other = self._communications(self.other_customer)
        with self.mock_mail_gateway():
            (self.communication.mail_id | other.mail_id).send()
        self.assertEqual(self.communication.state, "withdrawn")
        self.assertEqual(self.communication.mail_id.state, "cancel")
        self.assertEqual(other.state, "sent", "the unpaid customer's reminder leaves")
        self.assertSentEmail(
            self.company.partner_id.email_formatted,
            [self.other_customer.email_formatted],
        )
        self.assertNotSentEmail([self.customer.email_formatted])
        self.assertFalse(
            self.env["dunning.communication"]._find_broken_link(self.company),
            "delivery is not sealed",
        )

    def test_email_deleted_before_sending(self):
        self.communication.mail_id.sudo().unlink()
        self.assertEqual(self.communication.state, "failed")
        self.assertEqual(self.communication.failure_type, "mail_deleted")

    def test_bounce(self):
        with self.mock_mail_gateway():
            self.communication.mail_id.send()
        bounced_message = self.communication.mail_message_id
        self.env["mail.thread"]._routing_handle_bounce(
            False,
            {
                "bounced_email": "ap@cascade.example.com",
                "bounced_partner": self.customer,
                "bounced_msg_ids": [bounced_message.message_id],
                "bounced_message": bounced_message,
                "body": "550 mailbox unavailable",
                "email_from": "MAILER-DAEMON@example.com",
                "to": "bounce@example.com",
                "message_id": "<bounce-notification@example.com>",
            },
        )
        self.assertEqual(self.communication.state, "bounced")
        self.assertIn("bounced", self.communication.failure_reason)

    def test_partner_merge_keeps_the_audit_trail(self):
        duplicate = self._customer(
            "Cascade Foods (duplicate)", "ap2@cascade.example.com"
        )
        self._invoice(duplicate, days(-8))
        self._run(days(1))
        before = self._communications()
        self.assertEqual(len(before), 3)
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge(
            (self.customer + duplicate).ids, self.customer, extra_checks=False
        )
        after = self._communications()
        self.assertEqual(after, before, "every audit record survives the merge")
        self.assertEqual(after.partner_id, self.customer + self.other_customer)
        self.assertFalse(
            self.env["dunning.communication"]._find_broken_link(self.company)
        )

    def test_run_statistics(self):
        run = self.communication.run_id
        self.assertEqual(run.communication_count, 2)
        self.assertEqual((run.queued_count, run.sent_count), (2, 0), "not sent yet")
        with self.mock_mail_gateway():
            run.communication_ids.mail_id.send()
        run.invalidate_recordset(["queued_count", "sent_count"])
        self.assertEqual((run.queued_count, run.sent_count), (0, 2))
        self.assertEqual(run.state, "done")
        self.assertIn(self.first.name, str(run.stats_html))
