# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import format_datetime, mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import TODAY, DunningCommon, days

NOON = datetime(TODAY.year, TODAY.month, TODAY.day, 12, 0)


@tagged("post_install", "-at_install")
class TestDunningDelivery(DunningCommon, MockEmail):
    """A reminder whose email fails is explained, retried, and delivered exactly
    once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "dunning_automation.retry_backoff_minutes", "15,60"
        )
        cls.invoice = cls._invoice(cls.customer, days(-8))

    def _send_queue(self, server_down=False):
        """The mail queue sends what is outgoing, the mail server up or refusing
        connections."""
        with self.mock_mail_gateway(), mute_logger("odoo.addons.mail.models.mail_mail"):
            if server_down:
                self.connect_mocked.side_effect = ConnectionRefusedError(
                    "[Errno 111] Connection refused"
                )
            self.env["mail.mail"].sudo().search(
                [("model", "=", "dunning.communication")]
            ).send(raise_exception=False)
        return [
            email
            for email in self._mails
            if self.customer.email in email["email_to"][0]
        ]

    def _notes(self):
        return self.invoice.message_ids.filtered(
            lambda message: "Dunning reminder" in str(message.body)
        )

    def test_unreachable_server_retried_by_later_runs_with_backoff(self):
        self._run()
        communication = self._communications()
        with freeze_time(NOON):
            self.assertFalse(self._send_queue(server_down=True))
        self.assertEqual(communication.state, "failed")
        self.assertIn(
            "could not be reached",
            communication.failure_message,
            "the reason in plain words",
        )
        self.assertIn(
            "Connection refused",
            communication.failure_reason,
            "the technical detail is kept",
        )
        self.assertEqual(communication.retry_date, NOON + timedelta(minutes=15))
        self.assertIn(
            format_datetime(self.env, communication.retry_date, dt_format="short"),
            communication.failure_message,
            "the retry time in the reader's date format",
        )
        self.assertIn(
            "Failed",
            str(self._notes()[0].body),
            "the invoice's chatter shows the failure",
        )
        self.assertIn("could not be reached", str(self._notes()[0].body))
        self.assertEqual(
            self.invoice.dunning_communication_line_ids.state,
            "failed",
            "and its dunning tab",
        )

        self._run(NOON + timedelta(minutes=10))  # too early: the backoff is not over
        self.assertEqual(communication.state, "failed")
        self._run(NOON + timedelta(minutes=16))
        self.assertEqual(communication.state, "queued", "queued again by the later run")
        with freeze_time(NOON + timedelta(minutes=16)):
            self.assertFalse(self._send_queue(server_down=True))
        self.assertEqual(communication.retry_count, 1)
        self.assertEqual(
            communication.retry_date,
            NOON + timedelta(minutes=16 + 60),
            "the wait grows",
        )
        self._run(NOON + timedelta(minutes=80))
        with freeze_time(NOON + timedelta(minutes=80)):
            delivered = self._send_queue()
            self.assertFalse(self._send_queue(), "nothing left to send")
        self._run(NOON + timedelta(minutes=90))
        self.assertFalse(self._send_queue(), "a later run sends nothing again")
        self.assertEqual(len(delivered), 1, "delivered exactly once")
        self.assertEqual(communication.state, "sent")
        self.assertFalse(communication.retry_date)
        self.assertEqual(
            len(self._communications()), 1, "one audit record, whatever the attempts"
        )
        self.assertIn(
            "Sent", str(self._notes()[0].body), "the chatter shows the final state"
        )
        self.assertEqual(self.invoice.dunning_communication_line_ids.state, "sent")
        self.assertFalse(
            self.env["dunning.communication"]._find_broken_link(self.company)
        )

    def test_retries_end_then_manual_retry(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "dunning_automation.retry_backoff_minutes", "0"
        )
        self._run()
        communication = self._communications()
        with freeze_time(NOON):
            self._send_queue(server_down=True)
        self._run(NOON)
        self.assertEqual(communication.state, "queued", "the one automatic retry")
        with freeze_time(NOON):
            self._send_queue(server_down=True)
        self.assertEqual(communication.state, "failed")
        self.assertFalse(communication.retry_date, "no automatic retry left")
        self.assertIn("Use Retry", communication.failure_message)
        self.assertTrue(communication.can_retry)
        result = communication.action_retry()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(communication.state, "queued")
        self.assertEqual(len(self._send_queue()), 1)
        self.assertEqual(communication.state, "sent")
        result = communication.action_retry()
        self.assertEqual(
            result["params"]["type"], "warning", "a sent reminder is not sent again"
        )
        self.assertIn("did not fail", result["params"]["message"])

    def test_send_now_after_a_failure(self):
        silent = self._customer("No Mail Inc")
        self._invoice(silent, days(-8))
        self._run()
        failed = self._communications(silent)
        self.assertEqual(failed.state, "failed")
        self.assertFalse(failed.can_retry, "nothing was written: Retry cannot help")
        self.assertIn("Send Reminder Now", failed.failure_message)
        silent.email = "ap@nomail.example.com"
        with freeze_time(TODAY):
            silent.action_dunning_send_now()
        attempts = self._communications(silent)
        self.assertEqual(
            len(attempts), 2, "sent again although a reminder failed today"
        )
        self.assertEqual(attempts[1].email_to, "ap@nomail.example.com")
        self.assertEqual(attempts[1].state, "queued")
        self.assertEqual(attempts[1].reminder_key, failed.idempotency_key)
        with freeze_time(TODAY):
            result = failed.action_retry()
        self.assertEqual(result["params"]["type"], "warning")
        with (
            freeze_time(TODAY),
            self.assertRaisesRegex(Exception, "Already sent today"),
        ):
            silent.action_dunning_send_now()

    def test_bulk_retry(self):
        self._invoice(self.other_customer, days(-8))
        self._run()
        communications = self._communications()
        self._send_queue(server_down=True)
        self.assertEqual(set(communications.mapped("state")), {"failed"})
        communications.action_retry()
        self.assertEqual(set(communications.mapped("state")), {"queued"})
        with self.mock_mail_gateway():
            self.env["mail.mail"].sudo().search(
                [("model", "=", "dunning.communication")]
            ).send()
        self.assertEqual(set(communications.mapped("state")), {"sent"})
        self.assertEqual(len(self._mails), 2)

    def test_retry_after_bounce(self):
        """The email left and bounced: Retry writes a new one from the snapshot."""
        self._run()
        communication = self._communications()
        self.assertEqual(len(self._send_queue()), 1)
        self.env["mail.thread"]._routing_handle_bounce(
            False,
            {
                "bounced_email": self.customer.email,
                "bounced_partner": self.customer,
                "bounced_msg_ids": [communication.mail_message_id.message_id],
                "bounced_message": communication.mail_message_id,
                "body": "552 mailbox full",
                "email_from": "MAILER-DAEMON@example.com",
                "to": "bounce@example.com",
                "message_id": "<bounce-notification@example.com>",
            },
        )
        self.assertEqual(communication.state, "bounced")
        self.assertIn("returned the email", communication.failure_message)
        sent_mail = communication.mail_id
        communication.action_retry()
        self.assertNotEqual(communication.mail_id, sent_mail)
        self.assertEqual(
            communication.mail_id.email_to,
            self.customer.email,
            "to the address the audit names",
        )
        self.assertEqual(communication.mail_id.body_html, communication.body_html)
        self.assertEqual(len(self._send_queue()), 1, "once")
        self.assertEqual(communication.state, "sent")
        self.assertEqual(communication.retry_count, 1)
