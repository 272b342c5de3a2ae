# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json

from freezegun import freeze_time
from psycopg2.errors import UniqueViolation

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import SQL, mute_logger

from .common import TODAY, DunningCommon, days


@tagged("post_install", "-at_install")
class TestDunningRun(DunningCommon):
    def test_first_reminder_boundary(self):
        invoice = self._invoice(self.customer, days(-7))
        self._run(days(-1))
        self.assertFalse(
            self._communications(), "6 days overdue: too early for the first reminder"
        )
        run = self._run(TODAY)
        communication = self._communications()
        self.assertEqual(communication.level_id, self.first)
        self.assertEqual(communication.run_id, run)
        self.assertEqual(invoice.dunning_level_id, self.first)
        self.assertEqual(invoice.dunning_last_date, TODAY)
        self.assertEqual(
            invoice.dunning_next_date, days(14), "second reminder: +21 from due date"
        )
        self.assertEqual(invoice.dunning_state, "in_dunning")
        self._run(days(1))
        self.assertEqual(
            len(self._communications()), 1, "the next day brings nothing new"
        )

    def test_courtesy_then_first_then_second_then_final(self):
        invoice = self._invoice(self.customer, days(3))
        expected = [
            (TODAY, self.courtesy),
            (days(10), self.first),
            (days(24), self.second),
            (days(48), self.final),
        ]
        for on, level in expected:
            self._run(on)
            self.assertEqual(invoice.dunning_level_id, level, f"level on {on}")
        self.assertEqual(self._communications().level_id, self.policy.level_ids)
        with freeze_time(days(48)):
            self.assertEqual(invoice.dunning_state, "escalated")
        self.assertIn(
            "dunning", self.customer.with_company(self.company).dunning_invoice_warning
        )

    def test_grouped_email_content(self):
        self.customer.lang = "en_US"
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        invoice_usd = self._invoice(self.customer, days(-8), 1200.0)
        invoice_eur = self._invoice(self.customer, days(-30), 500.0, currency_id=eur)
        refund = self._invoice(self.customer, days(-2), 200.0, move_type="out_refund")
        self._invoice(self.other_customer, days(-8), 90.0)
        self._run()
        communication = self._communications(self.customer)
        self.assertEqual(
            len(communication),
            1,
            "one message per customer, listing all its due invoices",
        )
        self.assertEqual(communication.move_ids, invoice_usd + invoice_eur + refund)
        self.assertEqual(communication.state, "queued")
        mail = communication.mail_id
        self.assertEqual(mail.state, "outgoing", "queued, sent later by the mail queue")
        self.assertEqual(mail.recipient_ids, self.customer)
        body = str(mail.body_html)
        for text in (
            invoice_usd.name,
            invoice_eur.name,
            refund.name,
            "1,200.00",
            "500.00",
            "200.00",
            "/my/invoices/",
        ):
            self.assertIn(text, body)
        self.assertIn("access_token=", body)
        totals = {
            currency.name: (due, overdue)
            for currency, due, overdue in communication._totals_by_currency()
        }
        self.assertEqual(
            totals,
            {"USD": (1000.0, 1200.0), "EUR": (500.0, 500.0)},
            "per currency, never summed; credits netted",
        )
        self.assertIn(self.company.name, communication.subject)
        self.assertEqual(communication.body_html, mail.body_html)
        # chatter entry on each listed invoice
        note = invoice_usd.message_ids.filtered(
            lambda message: "Dunning reminder" in str(message.body)
        )
        self.assertEqual(len(note), 1)

    def test_invoice_address_is_dunning_contact_and_cc(self):
        self.policy.cc_invoice_contact = True
        accounts = self.env["res.partner"].create(
            {
                "name": "Accounts",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "payables@cascade.example.com",
            }
        )
        buyer = self.env["res.partner"].create(
            {
                "name": "Buyer",
                "type": "contact",
                "parent_id": self.customer.id,
                "email": "buyer@cascade.example.com",
            }
        )
        self.assertEqual(self.customer.dunning_contact_id, accounts)
        invoice = self._invoice(buyer, days(-8), post=False)
        invoice.partner_id = buyer
        invoice.action_post()
        self.assertEqual(invoice.partner_id, buyer)
        self._run()
        communication = self._communications(self.customer)
        self.assertEqual(communication.recipient_id, accounts)
        self.assertEqual(communication.email_to, "payables@cascade.example.com")
        self.assertEqual(communication.email_cc, "buyer@cascade.example.com")
        self.assertEqual(communication.mail_id.email_cc, "buyer@cascade.example.com")

    def test_partial_payment(self):
        invoice = self._invoice(self.customer, days(-8), 1000.0)
        self._register_payment(invoice, amount=400.0, payment_date=days(-1))
        self.assertEqual(invoice.payment_state, "partial")
        self._run()
        line = self._communications().line_ids
        self.assertEqual(line.amount_total, 1000.0)
        self.assertEqual(line.amount_residual, 600.0)

    def test_payment_between_runs(self):
        invoice = self._invoice(self.customer, days(-8))
        self._run()
        self._register_payment(invoice, payment_date=days(5))
        with freeze_time(days(30)):
            self.assertEqual(invoice.dunning_state, "paid")
        self._run(days(30))
        self.assertEqual(
            len(self._communications()), 1, "a paid invoice leaves dunning"
        )

    def test_excluded_draft_cancelled_in_payment(self):
        self._invoice(self.customer, days(-8), post=False)
        cancelled = self._invoice(self.customer, days(-8), post=False)
        cancelled.button_cancel()
        excluded = self._customer("Excluded Ltd", "x@excluded.example.com")
        excluded.with_company(self.company).dunning_excluded = True
        self._invoice(excluded, days(-8))
        archived = self._customer("Gone Ltd", "gone@example.com")
        self._invoice(archived, days(-8))
        archived.action_archive()
        run = self._run()
        self.assertFalse(self._communications())
        self.assertEqual(run.skip_counts, {"excluded": 1, "archived": 1})

    def test_paused_invoice(self):
        invoice = self._invoice(self.customer, days(-8))
        invoice.write(
            {"dunning_paused_until": days(5), "dunning_pause_reason": "dispute"}
        )
        self._run()
        self.assertFalse(self._communications())
        with freeze_time(TODAY):
            invoice.invalidate_recordset(["dunning_state"])
            self.assertEqual(invoice.dunning_state, "paused")
        self._run(days(6))
        self.assertEqual(self._communications().level_id, self.first)

    def test_pause_wizard_rejects_past_dates(self):
        invoice = self._invoice(self.customer, days(-8))
        with freeze_time(TODAY):
            wizard = Form(
                self.env["dunning.pause"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                )
            )
            wizard.paused_until = days(-1)
            wizard.reason = "manual"
            with self.assertRaises(UserError):
                wizard.save().action_pause()

    def test_partner_without_email(self):
        silent = self._customer("No Mail Inc")
        self._invoice(silent, days(-8))
        self._invoice(self.customer, days(-8))
        self._run()
        failed = self._communications(silent)
        self.assertEqual(failed.state, "failed")
        self.assertEqual(failed.failure_type, "mail_email_missing")
        self.assertIn("no email", failed.failure_reason)
        self.assertFalse(failed.mail_id)
        self.assertTrue(
            failed.hash, "a failed reminder is still part of the audit trail"
        )
        activity = silent.activity_ids
        self.assertEqual(
            len(activity), 1, "the collector is asked to reach the customer otherwise"
        )
        self.assertIn(self.first.name, activity.summary)
        self.assertEqual(
            self._communications(self.customer).state,
            "queued",
            "the others still go out",
        )

    def test_invalid_and_blacklisted_email(self):
        invalid = self._customer("Bob", "bob@")
        blacklisted = self._customer("Opted Out", "optout@example.com")
        self.env["mail.blacklist"]._add("optout@example.com")
        self._invoice(invalid, days(-8))
        self._invoice(blacklisted, days(-8))
        self._run()
        self.assertEqual(
            self._communications(invalid).failure_type, "mail_email_invalid"
        )
        self.assertEqual(self._communications(blacklisted).failure_type, "mail_bl")
        self.assertFalse(
            self.env["mail.mail"].search(
                [
                    ("model", "=", "dunning.communication"),
                    ("email_to", "like", "optout"),
                ]
            )
        )

    def test_broken_template_fails_only_its_reminders(self):
        # as a template broken by an upgrade or a translation: saving it through the ORM
        # is refused
        self.env.cr.execute(
            SQL(
                "UPDATE mail_template SET subject = %s WHERE id = %s",
                json.dumps({"en_US": "{{ object.does_not_exist }}"}),
                self.first.mail_template_id.id,
            )
        )
        self.env.invalidate_all()
        self._invoice(self.customer, days(-8))
        self._invoice(
            self.other_customer, days(2)
        )  # courtesy reminder: another template
        with mute_logger(
            "odoo.addons.mail.models.mail_render_mixin",
            "odoo.addons.dunning_automation.models.mail_template",
        ):
            self._run()
        self.assertEqual(self._communications(self.customer).state, "failed")
        self.assertEqual(
            self._communications(self.customer).failure_type, "mail_template_error"
        )
        self.assertEqual(self._communications(self.other_customer).state, "queued")

    def test_company_without_email_is_a_config_error(self):
        self.company.email = False
        self.company.partner_id.email = False
        self.company.alias_domain_id = False
        self._invoice(self.customer, days(-8))
        run = self._run()
        self.assertFalse(self._communications())
        self.assertEqual(run.state, "failed", "not 'done': nothing could be sent")
        self.assertIn("no email address", run.error_log)
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertIn(
            "no email address",
            settings.dunning_configuration_problem,
            "Settings show the banner",
        )
        with freeze_time(TODAY), self.assertRaisesRegex(UserError, "no email address"):
            self.customer.action_dunning_send_now()

    def test_company_without_email_sends_from_odoos_fallback(self):
        """Odoo's own fallback sender: the alias domain's catchall address."""
        self.company.email = False
        self.company.partner_id.email = False
        self.company.alias_domain_id = self.env["mail.alias.domain"].create(
            {"name": "company-a.example.com"}
        )
        self._invoice(self.customer, days(-8))
        run = self._run()
        self.assertEqual(run.state, "done")
        self.assertIn(
            "catchall@company-a.example.com", self._communications().mail_id.email_from
        )

    def test_one_company_without_sender_is_a_warning(self):
        other = self.setup_other_company(name="Company Without Mail")["company"]
        other.email = False
        other.partner_id.email = False
        other.alias_domain_id = False
        self._invoice(self.customer, days(-8))
        run = self._run(companies=self.company + other)
        self.assertEqual(run.state, "warning")
        self.assertIn(other.name, run.error_log)
        self.assertEqual(
            self._communications().state,
            "queued",
            "the other company's reminders go out",
        )

    def test_tolerance_and_min_residual(self):
        self.company.dunning_tolerance = 50.0
        self._invoice(self.customer, days(-8), 49.0)
        self._run()
        self.assertFalse(self._communications())
        self.company.dunning_tolerance = 0.0
        self.policy.min_residual = 60.0
        self._run()
        self.assertFalse(self._communications())

    def test_credit_balance_not_dunned(self):
        self._invoice(self.customer, days(-8), 100.0)
        self._invoice(self.customer, days(-5), 150.0, move_type="out_refund")
        run = self._run()
        self.assertFalse(self._communications())
        self.assertEqual(run.skip_counts, {"credit_balance": 1})

    def test_instalments(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "Two instalments",
                "line_ids": [
                    (0, 0, {"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                    (0, 0, {"value": "percent", "value_amount": 50.0, "nb_days": 60}),
                ],
            }
        )
        invoice = self._create_invoice_one_line(
            price_unit=1000.0,
            tax_ids=[],
            partner_id=self.customer,
            invoice_date=days(-8),
            invoice_payment_term_id=term,
            post=True,
        )
        self.assertEqual(
            invoice.invoice_date_due,
            days(52),
            "the invoice's due date is its last instalment",
        )
        self._run()
        communication = self._communications()
        self.assertEqual(
            communication.level_id, self.first, "the first instalment is 8 days late"
        )
        self.assertEqual(
            communication.line_ids.mapped("date_due"), [days(-8), days(52)]
        )

    def test_multi_company_isolation(self):
        other = self.setup_other_company(name="Company B")["company"]
        other.email = "b@example.com"
        self._invoice(
            self.customer,
            days(-8),
            company_id=other,
            journal_id=self.env["account.journal"].search(
                [("company_id", "=", other.id), ("type", "=", "sale")], limit=1
            ),
        )
        self._run()
        self.assertFalse(
            self._communications(), "company A's run leaves company B alone"
        )
        self._run(companies=other)
        communication = self.env["dunning.communication"].search(
            [("company_id", "=", other.id)]
        )
        self.assertEqual(communication.level_id.policy_id, other.dunning_policy_id)
        user_a = self.env["res.users"].create(
            {
                "name": "Clerk A",
                "login": "clerk_a",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "group_ids": [
                    (6, 0, self.env.ref("account.group_account_invoice").ids)
                ],
            }
        )
        self.assertFalse(
            self.env["dunning.communication"]
            .with_user(user_a)
            .search([("id", "=", communication.id)])
        )

    def test_idempotent_same_day(self):
        self.first.min_days_since_previous = 0
        self._invoice(self.customer, days(-8))
        self._run()
        # Even if the invoices' levels had not been stored, the database refuses the
        # same reminder.
        self.env["account.move"].search([("partner_id", "=", self.customer.id)]).write(
            {"dunning_level_id": False, "dunning_last_date": False}
        )
        run = self._run()
        self.assertEqual(len(self._communications()), 1)
        self.assertEqual(run.skip_counts.get("already_sent"), 1)
        communication = self._communications()
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            self.env["dunning.communication"].sudo().create(
                {
                    "company_id": self.company.id,
                    "partner_id": self.customer.id,
                    "level_id": self.first.id,
                    "channel": "email",
                    "dunning_date": TODAY,
                    "idempotency_key": communication.idempotency_key,
                }
            )
            self.env.flush_all()

    def test_preview_writes_nothing(self):
        invoice = self._invoice(self.customer, days(-8))
        silent = self._customer("No Mail Inc")
        self._invoice(silent, days(-8))
        with freeze_time(TODAY):
            preview = self.env["dunning.preview"].create(
                {"company_id": self.company.id}
            )
            preview.action_compute()
        self.assertEqual(preview.line_ids.partner_id, self.customer + silent)
        self.assertIn(
            "no email address",
            preview.line_ids.filtered(
                lambda line: line.partner_id == silent
            ).will_fail_reason,
        )
        self.assertFalse(self._communications())
        self.assertFalse(invoice.dunning_level_id)
        self.assertFalse(invoice.dunning_next_date)

    def test_send_now(self):
        invoice = self._invoice(self.customer, days(-3))
        with freeze_time(TODAY), self.assertRaisesRegex(UserError, "No level due"):
            invoice.action_dunning_send_now()
        self._run(days(4))
        with freeze_time(days(6)):
            self.customer.action_dunning_send_now()
        self.assertEqual(
            self._communications().mapped("level_id"),
            self.first,
            "resent at its current level",
        )
        self.assertEqual(len(self._communications()), 2)
        with (
            freeze_time(days(6)),
            self.assertRaisesRegex(UserError, "Already sent today"),
        ):
            invoice.action_dunning_send_now()

    def test_one_reminder_per_invoice(self):
        self.policy.grouping = "invoice"
        first = self._invoice(self.customer, days(-8))
        second = self._invoice(self.customer, days(-9))
        self._run()
        communications = self._communications()
        self.assertEqual(len(communications), 2)
        self.assertEqual(communications.move_ids, first + second)
        self.assertEqual(
            communications[0].move_ids | communications[1].move_ids, first + second
        )

    def test_invoice_warning_on_new_invoices(self):
        self.customer.with_company(
            self.company
        ).dunning_invoice_warning = "Escalated: ask for prepayment."
        draft = self._invoice(self.customer, days(30), post=False)
        self.assertIn("dunning_automation_partner_warning", draft.alerts)

    def test_attach_invoice_pdfs(self):
        self.first.attach_invoice_pdf = True
        invoice = self._invoice(self.customer, days(-8))
        self._run()
        attachments = self._communications().mail_id.attachment_ids
        self.assertEqual(len(attachments), 1)
        self.assertEqual(attachments.mimetype, "application/pdf")
        self.assertEqual(
            (attachments.res_model, attachments.res_id), ("account.move", invoice.id)
        )
        self.assertIn(invoice.name.replace("/", "_"), attachments.name)

    def test_rendered_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        template = self.first.mail_template_id
        template.with_context(
            lang="fr_FR"
        ).subject = "{{ object.company_id.name }} : rappel de paiement"
        self.customer.lang = "fr_FR"
        self._invoice(self.customer, days(-8))
        self._invoice(self.other_customer, days(-8))
        self._run()
        self.assertEqual(
            self._communications(self.customer).subject,
            f"{self.company.name} : rappel de paiement",
        )
        self.assertIn(
            "payment reminder", self._communications(self.other_customer).subject
        )

    def test_batch_render_compiles_once_per_language(self):
        """The batch compiles a template once per language, and the amounts it
        remembers are formatted per currency and language."""
        self.env["res.lang"]._activate_lang("fr_FR")
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        self.customer.lang = "en_US"
        self.other_customer.lang = "fr_FR"
        third = self._customer("Alder Mills", "ap@alder.example.com", lang="en_US")
        for partner in (self.customer, self.other_customer, third):
            self._invoice(partner, days(-8), 1500.0)
            self._invoice(partner, days(-9), 1500.0, currency_id=eur)
        self.env.cr.cache.pop("dunning_qweb_compiled", None)
        self._run()
        self.assertEqual(
            len(self.env.cr.cache["dunning_qweb_compiled"]),
            2,
            "three emails of one template in two languages: two compilations",
        )
        bodies = {
            partner: str(self._communications(partner).body_html)
            for partner in (self.customer, self.other_customer, third)
        }
        for partner, body in bodies.items():
            self.assertIn(partner.name, body, "each email its own customer")
        for partner in (self.customer, third):
            self.assertIn("$\N{NO-BREAK SPACE}1,500.00", bodies[partner])
            self.assertIn("1,500.00\N{NO-BREAK SPACE}€", bodies[partner])
        self.assertIn(
            "1\N{NO-BREAK SPACE}500,00\N{NO-BREAK SPACE}€", bodies[self.other_customer]
        )
        self.assertIn(
            "$\N{NO-BREAK SPACE}1\N{NO-BREAK SPACE}500,00", bodies[self.other_customer]
        )
