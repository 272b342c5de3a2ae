# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import datetime
from urllib.parse import urlsplit

import psycopg2.errors
from freezegun import freeze_time
from lxml import html

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import TODAY, DunningCommon, days, post_overdue_invoice
from .test_portal_payment import demo_provider


class DunningPaymentCommon(DunningCommon, MockEmail):
    """A policy that charges saved cards on the due date, Odoo's demo provider and a
    customer with a saved demo card."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.auto_charge = True
        cls.provider = demo_provider(cls.company)
        cls.cron = cls.env.ref("dunning_automation.ir_cron_dunning_payment_charge")
        # the hourly cron covers every company: none of them left without a sender
        cls.env["res.company"].search(
            [("email", "=", False)]
        ).email = "billing@elsewhere.example.com"
        cls.card = cls._token(cls.customer, "error")

    @classmethod
    def _token(cls, partner, simulated_state, details="4242"):
        return cls.env["payment.token"].create(
            {
                "provider_id": cls.provider.id,
                "payment_method_id": cls.env.ref("payment_demo.payment_method_demo").id,
                "partner_id": partner.id,
                "payment_details": details,
                "provider_ref": f"demo-{partner.id}-{details}",
                "demo_simulated_state": simulated_state,
            }
        )

    def _charge(self, at):
        """The hourly cron at ``at`` (a datetime), through the real scheduler."""
        with (
            freeze_time(at),
            self.enter_registry_test_mode(),
            mute_logger("odoo.addons.payment.models.payment_transaction"),
        ):
            self.assertIs(self.cron.method_direct_trigger(), True)

    def _attempts(self, invoice):
        return self.env["dunning.payment.attempt"].search(
            [("invoice_id", "=", invoice.id)], order="attempt_no"
        )


@tagged("post_install", "-at_install")
class TestDunningPaymentAttempt(DunningPaymentCommon):
    """Charging on the due date, soft and hard declines, retries and never twice."""

    def test_success_on_due_date_reconciles(self):
        self.card.demo_simulated_state = "done"
        invoice = self._invoice(self.customer, TODAY, amount=400.0)
        not_due = self._invoice(self.customer, days(3), amount=100.0)
        self._charge(datetime(2026, 3, 16, 9))
        attempt = self._attempts(invoice)
        self.assertEqual(attempt.state, "done")
        self.assertEqual(attempt.key, f"DUN-{invoice.id}-1")
        self.assertEqual(attempt.transaction_id.reference, attempt.key)
        self.assertEqual(attempt.transaction_id.state, "done")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(
            attempt.transaction_id.payment_id.reconciled_invoice_ids, invoice
        )
        self.assertFalse(self._attempts(not_due), "not due yet: not charged")
        self._charge(datetime(2026, 3, 17, 9))
        self.assertEqual(len(self._attempts(invoice)), 1, "never charged twice")

    def test_invoice_date_policy(self):
        self.card.demo_simulated_state = "done"
        self.policy.auto_charge_on = "invoice_date"
        invoice = self._invoice(self.customer, days(30), invoice_date=TODAY)
        self._charge(datetime(2026, 3, 16, 9))
        self.assertEqual(self._attempts(invoice).state, "done")

    def test_soft_decline_then_success_on_second_retry(self):
        invoice = self._invoice(self.customer, TODAY, amount=400.0)
        with self.mock_mail_gateway():
            self._charge(datetime(2026, 3, 16, 9))
        first = self._attempts(invoice)[0]
        self.assertEqual(first.state, "failed")
        self.assertEqual(first.decline_reason, "processing_error")
        self.assertEqual(first.decline_kind, "soft")
        # no successful payment to learn the customer's hour from: 10:00
        self.assertEqual(first.next_retry_at, datetime(2026, 3, 17, 10))
        self.assertEqual(invoice.dunning_paused_until, days(1))
        self.assertEqual(invoice.dunning_pause_reason, "payment_retry")
        mail = self._find_mail_mail_wrecord(first)
        self.assertIn("03/17/2026", mail.body_html)
        self.assertIn("/my/dunning/payment_method?", mail.body_html)
        # before the planned hour nothing happens
        self._charge(datetime(2026, 3, 17, 9))
        self.assertEqual(len(self._attempts(invoice)), 2)
        self.assertEqual(self._attempts(invoice)[1].state, "scheduled")
        self._charge(datetime(2026, 3, 17, 10))
        second = self._attempts(invoice)[1]
        self.assertEqual(second.state, "failed")
        self.assertEqual(second.next_retry_at, datetime(2026, 3, 19, 10))
        # the customer's card works again: the second retry pays
        self.card.demo_simulated_state = "done"
        self._charge(datetime(2026, 3, 19, 10))
        attempts = self._attempts(invoice)
        self.assertEqual(attempts.mapped("state"), ["failed", "failed", "done"])
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(invoice.dunning_paused_until, "the retry pause is lifted")

    def test_retry_at_usual_payment_hour(self):
        self.card.demo_simulated_state = "done"
        with freeze_time(datetime(2026, 2, 16, 15, 20)):
            paid = self._invoice(self.customer, days(-28))
            self._charge(datetime(2026, 2, 16, 15, 20))
        self.assertEqual(self._attempts(paid).state, "done")
        self.card.demo_simulated_state = "error"
        invoice = self._invoice(self.customer, TODAY)
        self._charge(datetime(2026, 3, 16, 9))
        self.assertEqual(
            self._attempts(invoice)[0].next_retry_at, datetime(2026, 3, 17, 15)
        )

    def test_hard_decline_goes_to_first_overdue_level(self):
        self.card.demo_simulated_state = "cancel"
        invoice = self._invoice(self.customer, TODAY)
        self._charge(datetime(2026, 3, 16, 9))
        attempt = self._attempts(invoice)
        self.assertEqual(attempt.state, "failed")
        self.assertEqual(attempt.decline_kind, "hard")
        self.assertFalse(attempt.next_retry_at)
        self.assertFalse(invoice.dunning_paused_until)
        self._charge(datetime(2026, 3, 20, 10))
        self.assertEqual(
            len(self._attempts(invoice)), 1, "a hard decline is not retried"
        )
        run = self._run(on=days(8))
        self.assertEqual(run.communication_ids.level_id, self.first)
        self.assertIn(
            "no more automatic tries",
            "\n".join(invoice.message_ids.mapped("body")),
            "the failure history is on the invoice for the collector",
        )

    def test_last_retry_then_dunning(self):
        self.policy.retry_days = "1,3"
        invoice = self._invoice(self.customer, TODAY)
        for at in (
            datetime(2026, 3, 16, 9),
            datetime(2026, 3, 17, 10),
            datetime(2026, 3, 19, 10),
        ):
            self._charge(at)
        attempts = self._attempts(invoice)
        self.assertEqual(attempts.mapped("state"), ["failed"] * 3)
        self.assertFalse(attempts[-1].next_retry_at)
        self.assertFalse(invoice.dunning_paused_until)
        self.assertEqual(self._run(on=days(8)).communication_ids.level_id, self.first)

    def test_no_reminder_while_retry_planned(self):
        self.policy.retry_days = "1,30"
        invoice = self._invoice(self.customer, days(-10))
        self._charge(datetime(2026, 3, 16, 9))
        self._charge(datetime(2026, 3, 17, 10))
        self.assertEqual(invoice.dunning_paused_until, days(30))
        self.assertFalse(self._run(on=days(2)).communication_ids)

    def test_archived_token_is_hard(self):
        invoice = self._invoice(self.customer, TODAY)
        self._charge(datetime(2026, 3, 16, 9))
        self.card.active = False
        self._charge(datetime(2026, 3, 17, 10))
        self.assertEqual(self._attempts(invoice)[1].decline_reason, "no_token")

    def test_new_card_used_by_next_retry(self):
        invoice = self._invoice(self.customer, TODAY)
        self._charge(datetime(2026, 3, 16, 9))
        new_card = self._token(self.customer, "done", details="1111")
        self._charge(datetime(2026, 3, 17, 10))
        second = self._attempts(invoice)[1]
        self.assertEqual(second.state, "done")
        self.assertEqual(second.token_id, new_card)

    def test_pending_never_retried(self):
        self.card.demo_simulated_state = "pending"
        invoice = self._invoice(self.customer, TODAY)
        self._charge(datetime(2026, 3, 16, 9))
        attempt = self._attempts(invoice)
        self.assertEqual(attempt.state, "pending")
        self._charge(datetime(2026, 3, 25, 9))
        self.assertEqual(len(self._attempts(invoice)), 1, "pending: never retried")
        # the provider confirms later: the next cron records it
        attempt.transaction_id._set_done()
        self._charge(datetime(2026, 3, 26, 9))
        self.assertEqual(attempt.state, "done")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_paid_meanwhile_never_charged(self):
        invoice = self._invoice(self.customer, TODAY)
        self._charge(datetime(2026, 3, 16, 9))
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": days(1)})._create_payments()
        self.card.demo_simulated_state = "done"
        self._charge(datetime(2026, 3, 17, 10))
        second = self._attempts(invoice)[1]
        self.assertEqual(second.state, "skipped")
        self.assertFalse(second.transaction_id, "no charge of a paid invoice")

    def test_key_unique(self):
        invoice = self._invoice(self.customer, days(5))
        values = {
            "invoice_id": invoice.id,
            "attempt_no": 1,
            "key": "DUN-x",
            "scheduled_at": datetime(2026, 3, 16, 9),
        }
        Attempt = self.env["dunning.payment.attempt"].sudo()
        Attempt.create(values)
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
        ):
            Attempt.create({**values, "key": "DUN-y"})

    def test_interrupted_charge_never_charged_again(self):
        """The process died after the key was committed, before the provider answered:
        the attempt is not charged again, the invoice goes to the collector."""
        invoice = self._invoice(self.customer, TODAY)
        self.card.demo_simulated_state = "done"
        attempt = (
            self.env["dunning.payment.attempt"]
            .sudo()
            .create(
                {
                    "invoice_id": invoice.id,
                    "attempt_no": 1,
                    "key": f"DUN-{invoice.id}-1",
                    "scheduled_at": datetime(2026, 3, 16, 9),
                }
            )
        )
        transaction = attempt._create_transaction(self.card)
        attempt.write(
            {
                "state": "charging",
                "transaction_id": transaction.id,
                "token_id": self.card.id,
                "charged_at": datetime(2026, 3, 16, 9),
            }
        )
        self._charge(datetime(2026, 3, 16, 9, 30))
        self.assertEqual(attempt.state, "charging", "too early to call it interrupted")
        self._charge(datetime(2026, 3, 16, 11))
        self.assertEqual(attempt.state, "interrupted")
        self.assertEqual(transaction.state, "draft", "the provider was never called")
        self.assertEqual(len(self._attempts(invoice)), 1)
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_retry_days_validation(self):
        for value in ("", "0,1", "3,1", "1,x"):
            with self.assertRaises(ValidationError):
                self.policy.retry_days = value


@tagged("post_install", "-at_install")
class TestDunningPaymentPortal(DunningPaymentCommon, HttpCase):
    """The failure email's link to Odoo's payment-method page (on the real clock: the
    browser's server runs on it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.allow_tokenization = True
        cls.invoice = post_overdue_invoice(cls.env, cls.customer, 0)

    def _email_link(self, label):
        mail = self.env["mail.mail"].search(
            [("model", "=", "dunning.payment.attempt")], order="id desc", limit=1
        )
        href = html.fromstring(mail.body_html).xpath(f"//a[text()='{label}']/@href")[0]
        split = urlsplit(href)
        return f"{split.path}?{split.query}"

    def _charge_now(self):
        with self.enter_registry_test_mode():
            self.assertIs(self.cron.method_direct_trigger(), True)

    def test_update_card_from_failure_email(self):
        self._charge_now()
        first = self._attempts(self.invoice)[0]
        self.assertEqual(first.state, "failed")
        link = self._email_link("Update payment method")
        self.assertTrue(link.startswith("/my/dunning/payment_method?"))
        self.start_tour(link, "dunning_update_card")
        new_card = self.env["payment.token"].search(
            [("partner_id", "=", self.customer.id)], order="id desc", limit=1
        )
        self.assertNotEqual(new_card, self.card, "the tour saved a new card")
        self.assertEqual(new_card.demo_simulated_state, "done")
        second = self._attempts(self.invoice)[1]
        second.sudo().scheduled_at = fields.Datetime.now()
        self._charge_now()
        self.assertEqual(second.state, "done")
        self.assertEqual(second.token_id, new_card, "the next retry used the new card")
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))

    def test_invalid_link(self):
        response = self.url_open(
            "/my/dunning/payment_method?company_id=1&partner_id=1&expires=2099-01-01"
            "&token=forged"
        )
        self.assertEqual(response.status_code, 404)

    def test_pay_now_link(self):
        self._charge_now()
        response = self.url_open(self._email_link("Pay now"))
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice.name, response.text)


@tagged("post_install", "-at_install")
class TestDunningCardExpiry(DunningPaymentCommon):
    """Pre-dunning: reminders 30 and 7 days before a saved card expires."""

    def _remind(self, on):
        cron = self.env.ref("dunning_automation.ir_cron_dunning_card_expiry")
        with freeze_time(on), self.enter_registry_test_mode():
            self.assertIs(cron.method_direct_trigger(), True)

    def _expiry_mails(self):
        return self.env["mail.mail"].search(
            [("model", "=", "payment.token"), ("res_id", "=", self.card.id)]
        )

    def test_reminders_30_and_7_days_before(self):
        self.card.dunning_expiry_date = days(40)
        with self.mock_mail_gateway():
            self._remind(TODAY)
            self.assertFalse(self._expiry_mails(), "40 days ahead: too early")
            self._remind(days(10))
            self.assertEqual(len(self._expiry_mails()), 1)
            self.assertEqual(self.card.dunning_expiry_reminded, 30)
            self.assertIn("/my/dunning/payment_method?", self._expiry_mails().body_html)
            self._remind(days(11))
            self.assertEqual(len(self._expiry_mails()), 1, "once per step")
            # the cron missed the 7-day day: caught up the day after
            self._remind(days(34))
            self.assertEqual(len(self._expiry_mails()), 2)
            self.assertEqual(self.card.dunning_expiry_reminded, 7)
            self._remind(days(38))
            self.assertEqual(len(self._expiry_mails()), 2)
            self._remind(days(41))
            self.assertEqual(len(self._expiry_mails()), 2, "expired: nothing more")

    def test_archived_card_not_reminded(self):
        self.card.dunning_expiry_date = days(20)
        self.card.active = False
        self._remind(TODAY)
        self.assertFalse(self._expiry_mails())


@tagged("post_install", "-at_install")
class TestDunningSuspension(DunningPaymentCommon):
    """Suspension after the configured days of failed charges, resumption once paid,
    and the policy's server-action hook."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.suspend_after_days = 3
        cls.suspend_action = cls.env["ir.actions.server"].create(
            {
                "name": "Tag suspended",
                "model_id": cls.env.ref("account.model_account_move").id,
                "state": "code",
                "code": "records.write({'ref': 'SUSPENDED'})",
            }
        )
        cls.resume_action = cls.suspend_action.copy(
            {"name": "Tag resumed", "code": "records.write({'ref': 'RESUMED'})"}
        )
        cls.policy.suspend_action_id = cls.suspend_action
        cls.policy.resume_action_id = cls.resume_action

    def test_suspend_then_resume_when_paid(self):
        invoice = self._invoice(self.customer, TODAY)
        self._charge(datetime(2026, 3, 16, 9))
        self._charge(datetime(2026, 3, 17, 10))
        self.assertFalse(invoice.dunning_suspended, "1 day after: not yet")
        self._charge(datetime(2026, 3, 19, 10))
        self.assertTrue(invoice.dunning_suspended)
        self.assertEqual(invoice.ref, "SUSPENDED", "the policy's action ran")
        self.card.demo_simulated_state = "done"
        self._charge(datetime(2026, 3, 21, 10))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(invoice.dunning_suspended)
        self.assertEqual(invoice.ref, "RESUMED")

    def test_resume_when_paid_by_hand(self):
        self.card.demo_simulated_state = "cancel"
        invoice = self._invoice(self.customer, TODAY)
        self._charge(datetime(2026, 3, 16, 9))
        self._charge(datetime(2026, 3, 20, 9))
        self.assertTrue(invoice.dunning_suspended, "a hard decline too")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": days(5)})._create_payments()
        self._charge(datetime(2026, 3, 21, 9))
        self.assertFalse(invoice.dunning_suspended)

    def test_no_suspension_when_zero(self):
        self.policy.suspend_after_days = 0
        invoice = self._invoice(self.customer, TODAY)
        self.card.demo_simulated_state = "cancel"
        self._charge(datetime(2026, 3, 16, 9))
        self._charge(datetime(2026, 4, 16, 9))
        self.assertFalse(invoice.dunning_suspended)
