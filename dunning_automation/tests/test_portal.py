# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

from freezegun import freeze_time

from odoo import Command, fields, http
from odoo.exceptions import MissingError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import SQL, formatLang

from ..models.dunning_dispute import MAX_ATTACHMENT_SIZE
from .common import TODAY, DunningCommon, days

PDF = b"%PDF-1.4\n%proof of payment\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00"


class DunningPortalCommon(DunningCommon):
    @classmethod
    def _pay(cls, invoice, amount=None, on=TODAY):
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_date": on, **({"amount": amount} if amount else {})})
        )
        return wizard._create_payments()

    def _promise(self, invoices, promise_date, amount=None, partner=None):
        # as the portal controller does, once it checked who the customer is
        return (
            self.env["dunning.promise"]
            .sudo()
            ._portal_create(
                self.company,
                partner or self.customer,
                invoices.ids,
                promise_date,
                amount,
            )
        )

    def _dispute(
        self,
        invoice,
        message="The amount is wrong.",
        reason="wrong_amount",
        upload=None,
        partner=None,
    ):
        return (
            self.env["dunning.dispute"]
            .sudo()
            ._portal_create(
                self.company,
                partner or self.customer,
                invoice.id,
                reason,
                message,
                upload,
            )
        )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningPortalModels(DunningPortalCommon):
    """Signed statement links, statement content, promises and disputes, without
    HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.overdue = cls._invoice(cls.customer, days(-10), amount=1000.0)
        cls.due = cls._invoice(cls.customer, days(10), amount=500.0)
        cls.others = cls._invoice(cls.other_customer, days(-10), amount=700.0)

    # ------------------------------------------------------------------
    # statement links
    # ------------------------------------------------------------------

    def test_statement_token(self):
        Partner = self.env["res.partner"]
        query = self.customer._dunning_statement_query(self.company, TODAY)
        self.assertEqual(query["expires"], str(days(60)), "valid 60 days by default")
        params = [
            query[key] for key in ("company_id", "partner_id", "expires", "token")
        ]
        self.assertEqual(
            Partner._dunning_statement_access(*params), (self.company, self.customer)
        )
        altered_token = query["token"][:-1] + (
            "1" if query["token"].endswith("0") else "0"
        )
        forged = {
            "other partner": [
                self.company.id,
                self.other_customer.id,
                query["expires"],
                query["token"],
            ],
            "later expiry": [
                self.company.id,
                self.customer.id,
                str(days(365)),
                query["token"],
            ],
            "altered token": [
                self.company.id,
                self.customer.id,
                query["expires"],
                altered_token,
            ],
            "no token": [self.company.id, self.customer.id, query["expires"], ""],
            "garbage": ["x", self.customer.id, "not-a-date", query["token"]],
            "missing company": [0, self.customer.id, query["expires"], query["token"]],
        }
        for label, forged_params in forged.items():
            with self.subTest(label):
                self.assertIsNone(Partner._dunning_statement_access(*forged_params))
        with freeze_time(days(61)):
            self.assertIsNone(Partner._dunning_statement_access(*params), "expired")
        self.company.dunning_statement_link_days = 5
        self.assertEqual(
            self.customer._dunning_statement_query(self.company, TODAY)["expires"],
            str(days(5)),
        )

    def test_token_is_per_company(self):
        company_b = self.setup_other_company(name="Company B")["company"]
        invoice_b = (
            self.env["account.move"]
            .with_company(company_b)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": days(-35),
                    "invoice_date_due": days(-5),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Service", "price_unit": 300.0, "tax_ids": []}
                        )
                    ],
                }
            )
        )
        invoice_b.action_post()
        query = self.customer._dunning_statement_query(self.company, TODAY)
        self.assertIsNone(
            self.env["res.partner"]._dunning_statement_access(
                company_b.id, self.customer.id, query["expires"], query["token"]
            )
        )
        statement_a = self.customer._dunning_statement_values(self.company, TODAY)
        statement_b = self.customer._dunning_statement_values(company_b, TODAY)
        self.assertEqual(
            [line["move"] for line in statement_a["invoices"]], [self.overdue, self.due]
        )
        self.assertEqual(
            [line["move"] for line in statement_b["invoices"]], [invoice_b]
        )

    def test_reminder_links_the_statement(self):
        self._run(days(0))
        communication = self._communications(self.customer)
        self.assertIn("/my/dunning/statement?", communication.body_html)
        self.assertIn("View your statement / pay online", communication.body_html)
        url = urlsplit(communication._statement_url())
        query = dict(parse_qsl(url.query))
        self.assertEqual(
            self.env["res.partner"]._dunning_statement_access(**query),
            (self.company, self.customer),
        )
        self.assertFalse(
            self.env["dunning.communication"]._find_broken_link(self.company)
        )

    # ------------------------------------------------------------------
    # statement content
    # ------------------------------------------------------------------

    def test_statement_values(self):
        eur = self.setup_other_currency("EUR")
        in_eur = self._invoice(
            self.customer, days(-3), amount=200.0, currency_id=eur.id
        )
        credit_note = self._invoice(
            self.customer, days(-20), amount=50.0, move_type="out_refund"
        )
        self._pay(self.due, amount=100.0)
        values = self.customer._dunning_statement_values(self.company, TODAY)
        by_move = {line["move"]: line for line in values["invoices"]}
        self.assertEqual(set(by_move), {self.overdue, self.due, in_eur})
        self.assertEqual(by_move[self.overdue]["status"], "overdue")
        self.assertEqual(by_move[self.overdue]["days_overdue"], 10)
        self.assertEqual(by_move[self.due]["status"], "due")
        self.assertIn(
            f"/my/invoices/{self.overdue.id}?access_token=",
            by_move[self.overdue]["url"],
        )
        usd = self.company.currency_id
        self.assertEqual(
            values["totals"],
            [
                {
                    "currency": eur,
                    "residual": formatLang(self.env, 200.0, currency_obj=eur),
                    "in_credit": False,
                    "credit": formatLang(self.env, -200.0, currency_obj=eur),
                    "overdue": formatLang(self.env, 200.0, currency_obj=eur),
                    "has_overdue": True,
                },
                # the open credit note is netted: the balance the reminders show too
                {
                    "currency": usd,
                    "residual": formatLang(self.env, 1350.0, currency_obj=usd),
                    "in_credit": False,
                    "credit": formatLang(self.env, -1350.0, currency_obj=usd),
                    "overdue": formatLang(self.env, 1000.0, currency_obj=usd),
                    "has_overdue": True,
                },
            ],
            "never summed across currencies",
        )
        self.assertEqual(
            by_move[self.overdue]["amount_residual"],
            formatLang(self.env, 1000.0, currency_obj=usd),
        )
        self.assertEqual([line["move"] for line in values["credits"]], [credit_note])
        self.assertEqual(values["payments"].mapped("amount"), [100.0])

    def test_statement_in_credit(self):
        """A customer owed money reads a credit balance, not a negative amount due."""
        customer = self._customer("In Credit")
        self._invoice(customer, days(-40), amount=300.0, move_type="out_refund")
        [total] = customer._dunning_statement_values(self.company, TODAY)["totals"]
        self.assertTrue(total["in_credit"])
        usd = self.company.currency_id
        self.assertEqual(total["credit"], formatLang(self.env, 300.0, currency_obj=usd))
        report = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "dunning_automation.action_report_dunning_statement", customer.ids
            )[0]
            .decode()
        )
        self.assertIn("Credit balance", report)
        self.assertIn(total["credit"], report)
        self.assertNotIn("Total due", report, "no negative total due")

    def test_statement_queries_do_not_grow(self):
        """The statement reads invoices set-based: 20 invoices cost the queries of
        one."""
        one, many = self._customer("One Invoice"), self._customer("Many Invoices")
        self._invoice(one, days(-5))
        self.env["account.move"].concat(
            *(self._invoice(many, days(-offset), post=False) for offset in range(20))
        ).action_post()

        def count_queries(partner):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            partner._dunning_statement_values(self.company, TODAY)
            return self.env.cr.sql_log_count - before

        # first reads: access tokens, languages and currencies, written or cached once
        count_queries(one), count_queries(many)
        self.assertEqual(count_queries(many), count_queries(one))

    # ------------------------------------------------------------------
    # promises
    # ------------------------------------------------------------------

    def test_promise_kept(self):
        collector = new_test_user(
            self.env, "collector", groups="account.group_account_invoice"
        )
        self.customer.with_company(self.company).dunning_collector_id = collector
        messages = self.overdue.message_ids
        promise = self._promise(self.overdue, str(days(7)))
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking messages are posted on commit
        self.assertEqual(
            len(self.overdue.message_ids - messages),
            1,
            "one message says the invoice is promised",
        )
        self.assertEqual(
            promise.amount, 1000.0, "no amount named: everything due is promised"
        )
        self.assertEqual(
            promise.paused_until, days(10), "promised date + 3 days of grace"
        )
        self.assertEqual(self.overdue.dunning_pause_reason, "promise")
        self.assertEqual(self.overdue.dunning_state, "paused")
        self.assertEqual(self.overdue._dunning_portal_status(TODAY), "promised")
        self.assertEqual(promise.activity_ids.user_id, collector)
        self.assertIn("Promise to pay", self.overdue.message_ids[0].body)
        self.assertFalse(self._communications(self.customer))
        self._run(days(1))
        self.assertFalse(
            self._communications(self.customer), "no reminder for a promised invoice"
        )
        self._pay(self.overdue, on=days(5))
        self._run(days(6))
        self.assertEqual(promise.state, "kept")

    def test_collector_order(self):
        """Collector, else the company's dunning responsible, else the invoice's
        salesperson, else an accounting manager: never a portal, public, archived or
        superuser account."""

        def user(login, groups="account.group_account_invoice"):
            return new_test_user(
                self.env,
                login,
                groups=groups,
                company_id=self.company.id,
                company_ids=self.company.ids,
            )

        collector, responsible, salesperson = (
            user("collector"),
            user("responsible"),
            user("salesperson"),
        )
        partner = self.customer.with_company(self.company)
        self.overdue.invoice_user_id = salesperson
        partner.dunning_collector_id = collector
        self.company.dunning_responsible_id = responsible
        self.assertEqual(partner._dunning_collector(self.overdue), collector)
        partner.dunning_collector_id = user(
            "portal_collector", groups="base.group_portal"
        )
        self.assertEqual(partner._dunning_collector(self.overdue), responsible)
        self.company.dunning_responsible_id = False
        self.assertEqual(partner._dunning_collector(self.overdue), salesperson)
        salesperson.action_archive()
        fallback = partner._dunning_collector(self.overdue)
        self.assertIn(
            fallback, self.env.ref("account.group_account_manager").all_user_ids
        )
        self.assertFalse(fallback.share or fallback._is_superuser())
        # from the portal, as the public user: the activity goes to the company's
        # responsible
        self.company.dunning_responsible_id = responsible
        public = self.env.ref("base.public_user")
        promise = (
            self.env["dunning.promise"]
            .with_user(public)
            .sudo()
            ._portal_create(
                self.company, self.customer, self.overdue.ids, str(days(7)), None
            )
        )
        self.assertEqual(promise.activity_ids.user_id, responsible)
        self.assertEqual(
            promise.message_ids[0].author_id, self.customer, "written by the customer"
        )
        self.assertEqual(self.overdue.message_ids[0].author_id, self.customer)

    def test_promise_broken(self):
        self.due.write(
            {"dunning_paused_until": days(60), "dunning_pause_reason": "manual"}
        )
        promise = self._promise(self.overdue, str(days(7)), amount="400")
        self._pay(self.overdue, amount=100.0, on=days(5))
        self._run(days(10))
        self.assertEqual(promise.state, "open", "still within the grace days")
        self._run(days(11))
        self.assertEqual(promise.state, "broken")
        self.assertFalse(self.overdue.dunning_paused_until)
        self.assertFalse(self.overdue.dunning_pause_reason)
        self.assertIn(
            self.overdue,
            self._communications(self.customer).move_ids,
            "dunning resumes",
        )
        self.assertIn(promise, self.customer.dunning_promise_ids)

    def test_promise_partial_amount_kept(self):
        promise = self._promise(self.overdue, str(days(7)), amount="400.00")
        self._pay(self.overdue, amount=400.0, on=days(2))
        self._run(days(3))
        self.assertEqual(promise.state, "kept")

    def test_promise_bad_inputs(self):
        bad = {
            "past date": (str(days(-1)), None, "future"),
            "today": (str(days(0)), None, "future"),
            "5 years ahead": (str(days(5 * 365)), None, "30 days"),
            "beyond policy": (str(days(31)), None, "30 days"),
            "no date": ("", None, "date"),
            "garbage date": ("31/02/2026", None, "date"),
            "zero": (str(days(7)), "0", "positive"),
            "a tenth of a cent": (str(days(7)), "0.001", "positive"),
            "1e-400": (str(days(7)), "1e-400", "positive"),
            "negative": (str(days(7)), "-5", "positive"),
            "NaN": (str(days(7)), "NaN", "positive"),
            "1e309": (str(days(7)), "1e309", "positive"),
            "infinity": (str(days(7)), "inf", "positive"),
            "text": (str(days(7)), "lots", "number"),
            "above residual": (str(days(7)), "1000.01", "exceed"),
        }
        for label, (promise_date, amount, message) in bad.items():
            with self.subTest(label), self.assertRaisesRegex(UserError, message):
                self._promise(self.overdue, promise_date, amount)
        with self.assertRaisesRegex(UserError, "tick"):
            self._promise(self.env["account.move"], str(days(7)))
        self.policy.max_promise_days = 90
        self._promise(self.overdue, str(days(90)))
        with self.assertRaisesRegex(UserError, "already promised"):
            self._promise(self.overdue, str(days(7)))
        self.assertEqual(
            self.env["dunning.promise"].search_count(
                [("partner_id", "=", self.customer.id)]
            ),
            1,
        )

    def test_promise_other_customer_invoice(self):
        for invoices in (self.others, self.overdue + self.others):
            with self.subTest(invoices=invoices.ids), self.assertRaises(MissingError):
                self._promise(invoices, str(days(7)))
        paid = self._invoice(self.customer, days(-5))
        self._pay(paid)
        with self.assertRaises(MissingError):
            self._promise(paid, str(days(7)))
        self.assertFalse(self.others.dunning_paused_until)
        self.assertFalse(self.env["dunning.promise"].search([]))

    def test_promise_mixed_currencies(self):
        eur = self.setup_other_currency("EUR")
        in_eur = self._invoice(
            self.customer, days(-3), amount=200.0, currency_id=eur.id
        )
        with self.assertRaisesRegex(UserError, "currency"):
            self._promise(self.overdue + in_eur, str(days(7)))

    def test_broken_promises_in_row(self):
        self.policy.max_promises_in_row = 2
        for offset in (0, 20):
            with freeze_time(days(offset)):
                self._promise(self.overdue, str(days(offset + 7)))
            self._run(days(offset + 11))
        with freeze_time(days(40)), self.assertRaisesRegex(UserError, "not kept"):
            self._promise(self.overdue, str(days(47)))

    def test_rate_limit(self):
        invoices = [self._invoice(self.customer, days(-5)) for _index in range(5)]
        for invoice in invoices[:4]:
            self._promise(invoice, str(days(7)))
        self._dispute(invoices[4])
        with self.assertRaisesRegex(UserError, "Too many"):
            self._promise(self.overdue, str(days(7)))
        for model in ("dunning_promise", "dunning_dispute"):
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET create_date = create_date - interval '61 minutes'",
                    SQL.identifier(model),
                )
            )
        self._promise(self.overdue, str(days(7)))

    # ------------------------------------------------------------------
    # disputes
    # ------------------------------------------------------------------

    def test_dispute_with_attachment(self):
        message = "<script>alert('x')</script> \u202eevil\u200b"
        messages = self.overdue.message_ids
        dispute = self._dispute(
            self.overdue, message=message, upload=("proof.PDF", PDF)
        )
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking messages are posted on commit
        self.assertEqual(
            len(self.overdue.message_ids - messages),
            1,
            "one message says the invoice is disputed",
        )
        self.assertEqual(dispute.message, message, "stored as text")
        self.assertEqual(dispute.attachment_id.mimetype, "application/pdf")
        self.assertEqual(self.overdue.dunning_pause_reason, "dispute")
        self.assertEqual(self.overdue._dunning_portal_status(TODAY), "disputed")
        note = self.overdue.message_ids[0]
        self.assertIn("&lt;script&gt;", note.body)
        self.assertNotIn("<script>", note.body)
        self.assertEqual(note.attachment_ids, dispute.attachment_id)
        self.assertTrue(dispute.activity_ids)
        self._run(days(1))
        self.assertFalse(
            self._communications(self.customer), "no reminder for a disputed invoice"
        )

    def test_dispute_bad_inputs(self):
        bad = {
            "1 MB of text": ({"message": "x" * 1_000_000}, "10000 characters"),
            "empty message": ({"message": "  "}, "what is wrong"),
            "unknown reason": ({"reason": "because"}, "reason"),
            "exe": ({"upload": ("setup.exe", EXE)}, "PDF, PNG and JPEG"),
            "exe named pdf": ({"upload": ("invoice.pdf", EXE)}, "PDF, PNG and JPEG"),
            "too large": (
                {"upload": ("big.pdf", PDF + b"0" * MAX_ATTACHMENT_SIZE)},
                "10 MB",
            ),
        }
        for label, (kwargs, message) in bad.items():
            with self.subTest(label), self.assertRaisesRegex(UserError, message):
                self._dispute(self.overdue, **kwargs)
        with self.assertRaises(MissingError):
            self._dispute(self.others)
        self.assertFalse(self.env["dunning.dispute"].search([]))
        self.assertFalse(
            self.env["ir.attachment"].search([("res_model", "=", "dunning.dispute")])
        )
        self.assertFalse(self.overdue.dunning_pause_reason)

    def _accept(self, dispute, **values):
        """Accept ``dispute`` as its form's button does, and fill the credit note wizard
        in."""
        action = dispute.action_accept()
        self.assertEqual(
            dispute.state, "open", "nothing is decided before the credit note is chosen"
        )
        wizard = Form(self.env[action["res_model"]].with_context(**action["context"]))
        for name, value in values.items():
            setattr(wizard, name, value)
        return wizard.save()

    def test_dispute_accepted_full(self):
        dispute = self._dispute(self.overdue)
        self.assertEqual(
            self._accept(dispute).reason,
            "Wrong amount",
            "the dispute's reason by default",
        )
        action = self._accept(dispute).action_create_credit_note()
        credit_note = dispute.credit_note_id
        self.assertEqual(action["res_id"], credit_note.id, "the credit note opens")
        self.assertEqual(
            (credit_note.move_type, credit_note.state), ("out_refund", "posted")
        )
        self.assertEqual(credit_note.reversed_entry_id, self.overdue)
        self.assertEqual(credit_note.amount_total, 1000.0)
        self.assertEqual(dispute.state, "accepted")
        self.assertFalse(dispute.activity_ids)
        self.assertEqual(self.overdue.payment_state, "reversed")
        with self.assertRaisesRegex(UserError, "already resolved"):
            dispute.action_reject()
        with self.assertRaisesRegex(UserError, "already resolved"):
            dispute.action_accept()

    def test_dispute_accepted_amount(self):
        """A partial credit note: reconciled with the invoice, whose dunning resumes for
        the rest."""
        dispute = self._dispute(self.overdue)
        for amount, message in ((0.0, "positive"), (1000.01, "still due")):
            with (
                self.subTest(amount=amount),
                self.assertRaisesRegex(UserError, message),
            ):
                self._accept(
                    dispute, credit_type="amount", amount=amount
                ).action_create_credit_note()
        self._accept(
            dispute, credit_type="amount", amount=250.0
        ).action_create_credit_note()
        credit_note = dispute.credit_note_id
        self.assertEqual(credit_note.amount_total, 250.0)
        self.assertEqual(credit_note.reversed_entry_id, self.overdue)
        self.assertEqual(self.overdue.amount_residual, 750.0)
        self.assertEqual(self.overdue.payment_state, "partial")
        self.assertFalse(
            self.overdue.dunning_pause_reason, "dunning resumes for what is still due"
        )
        self._run(days(1))
        self.assertIn(self.overdue, self._communications(self.customer).move_ids)

    def test_dispute_accepted_amount_with_taxes(self):
        tax = self.company_data["default_tax_sale"]
        invoice = self._create_invoice_one_line(
            price_unit=333.33,
            tax_ids=tax,
            partner_id=self.customer,
            invoice_date=days(-40),
            invoice_date_due=days(-10),
            invoice_payment_term_id=False,
            post=True,
        )
        dispute = self._dispute(invoice)
        self._accept(
            dispute, credit_type="amount", amount=100.0
        ).action_create_credit_note()
        self.assertAlmostEqual(dispute.credit_note_id.amount_total, 100.0, delta=0.01)
        self.assertEqual(
            dispute.credit_note_id.invoice_line_ids.tax_ids,
            tax,
            "the invoice's taxes, in proportion",
        )

    def test_dispute_accepted_lines(self):
        invoice = self._create_invoice(
            move_type="out_invoice",
            partner_id=self.customer.id,
            invoice_date=days(-40),
            invoice_date_due=days(-10),
            invoice_payment_term_id=False,
            invoice_line_ids=[
                Command.create(
                    {"name": "Delivered", "price_unit": 600.0, "tax_ids": []}
                ),
                Command.create(
                    {"name": "Never delivered", "price_unit": 150.0, "tax_ids": []}
                ),
                Command.create(
                    {"name": "Also missing", "price_unit": 50.0, "tax_ids": []}
                ),
            ],
        )
        invoice.action_post()
        dispute = self._dispute(invoice, reason="not_received")
        with self.assertRaisesRegex(UserError, "Choose the invoice lines"):
            self._accept(dispute, credit_type="lines").action_create_credit_note()
        wizard = self._accept(dispute, credit_type="lines")
        wizard.line_ids = invoice.invoice_line_ids.filtered(
            lambda line: line.name != "Delivered"
        )
        wizard.action_create_credit_note()
        credit_note = dispute.credit_note_id
        self.assertEqual(
            sorted(credit_note.invoice_line_ids.mapped("name")),
            ["Also missing", "Never delivered"],
        )
        self.assertEqual(credit_note.amount_total, 200.0)
        self.assertEqual(invoice.amount_residual, 600.0)
        self.assertEqual(dispute.state, "accepted")

    def test_dispute_rejected(self):
        dispute = self._dispute(self.overdue)
        with self.assertRaisesRegex(UserError, "reply"):
            dispute.action_reject()
        dispute.reply = "Our delivery note is signed: the invoice stands."
        dispute.action_reject()
        self.assertEqual(dispute.state, "rejected")
        self.assertFalse(self.overdue.dunning_paused_until)
        reply = self.overdue.message_ids[0]
        self.assertIn("the invoice stands", reply.body)
        self.assertEqual(reply.message_type, "comment")
        self.assertEqual(reply.partner_ids, self.customer)
        self._run(days(1))
        self.assertTrue(self._communications(self.customer), "dunning resumes")


@tagged("post_install", "-at_install")
class TestDunningPortalHttp(DunningPortalCommon, HttpCase):
    """The routes, as the customer's browser sees them (dates relative to the real
    today)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        cls.customer.name = "Cascade <b>Foods</b> <script>alert(1)</script>"
        cls.overdue = cls._invoice(
            cls.customer, today - timedelta(days=10), amount=1000.0
        )
        cls.due = cls._invoice(cls.customer, today + timedelta(days=10), amount=500.0)
        cls.others = cls._invoice(
            cls.other_customer, today - timedelta(days=10), amount=700.0
        )
        cls.portal_user = new_test_user(
            cls.env,
            "cascade_portal",
            groups="base.group_portal",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
            parent_id=cls.customer.id,
        )
        cls.link = cls.customer._dunning_statement_query(cls.company, today)

    def _url(self, path="/my/dunning/statement", **query):
        return f"{path}?{urlencode(query)}" if query else path

    def _post(self, path, data, files=None, csrf=True):
        if csrf:
            data = {**data, "csrf_token": http.Request.csrf_token(self)}
        return self.url_open(path, data=data, files=files, allow_redirects=False)

    def test_statement_with_link(self):
        self.authenticate(None, None)
        response = self.url_open(self._url(**self.link))
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.overdue.name, response.text)
        self.assertIn(self.due.name, response.text)
        self.assertNotIn(self.others.name, response.text)
        self.assertIn("Overdue", response.text)
        # names are escaped, never rendered as markup
        self.assertIn(
            "Cascade &lt;b&gt;Foods&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;",
            response.text,
        )
        self.assertNotIn("<script>alert(1)</script>", response.text)
        # each invoice links to its own portal page, where the customer pays it online
        self.overdue.invalidate_recordset(["access_token"])
        invoice_url = self.overdue.get_portal_url()
        self.assertIn(invoice_url, response.text)
        self.assertEqual(self.url_open(invoice_url).status_code, 200)

    def test_statement_forged_links(self):
        self.authenticate(None, None)
        forged = [
            {**self.link, "partner_id": self.other_customer.id},
            {**self.link, "company_id": self.company.id + 1000},
            {**self.link, "expires": str(fields.Date.today() + timedelta(days=400))},
            {**self.link, "token": self.link["token"][::-1]},
            {**self.link, "partner_id": "1 OR 1=1"},
        ]
        for query in forged:
            for path in (
                "/my/dunning/statement",
                "/my/dunning/statement/pdf",
                "/my/dunning/pay",
            ):
                with self.subTest(query=query, path=path):
                    response = self.url_open(self._url(path, **query))
                    self.assertEqual(response.status_code, 404)
                    self.assertIn("has expired or is not valid", response.text)
                    self.assertNotIn("Cascade", response.text)
                    self.assertNotIn(self.overdue.name, response.text)
        self.assertEqual(
            self.url_open(self._url()).status_code, 404, "no link, not logged in"
        )
        self.assertEqual(
            self.url_open(self._url("/my/dunning/statement/pdf")).status_code, 404
        )

    def _ask_fresh_link(self, email, company_id=None):
        """The answer to the expired link page's form, without its CSRF tokens (new on
        every page)."""
        data = {"email": email, "company_id": company_id or self.company.id}
        response = self._post("/my/dunning/statement/fresh_link", data)
        self.assertEqual(response.status_code, 404)
        return re.sub(r"[0-9a-f]{40}o[0-9]*", "", response.text)

    def test_expired_link_fresh_link(self):
        """An expired link shows a page to ask for a fresh one, sent only to the address
        on file, at most 3 a day; the answer is the same whether the address is on file
        or not."""
        self.authenticate(None, None)
        expired = self.customer._dunning_statement_query(
            self.company, fields.Date.today() - timedelta(days=61)
        )
        page = self.url_open(self._url(**expired))
        self.assertEqual(page.status_code, 404)
        self.assertIn("has expired or is not valid", page.text)
        self.assertIn('action="/my/dunning/statement/fresh_link"', page.text)
        self.assertNotIn("Cascade", page.text)
        Mail = self.env["mail.mail"]
        contact = self.customer.dunning_contact_id
        unknown = self._ask_fresh_link("nobody@example.com")
        self.assertIn("a fresh link is on its way", unknown)
        self.assertFalse(Mail.search([("recipient_ids", "in", contact.ids)]))
        self.assertEqual(
            self._ask_fresh_link("AP@Cascade.example.com "),
            unknown,
            "nothing tells the address is known",
        )
        mail = Mail.search([("recipient_ids", "in", contact.ids)])
        self.assertEqual(len(mail), 1)
        self.assertIn("your account statement", mail.subject)
        url = re.search(r'href="([^"]*/my/dunning/statement\?[^"]*)"', mail.body_html)[
            1
        ].replace("&amp;", "&")
        link = dict(parse_qsl(urlsplit(url).query))
        self.assertEqual(
            self.env["res.partner"]._dunning_statement_access(**link),
            (self.company, self.customer),
        )
        self.assertIn(
            "fresh account statement link was sent", self.customer.message_ids[0].body
        )
        for _index in range(3):
            self.assertEqual(self._ask_fresh_link(self.customer.email), unknown)
        self.assertEqual(
            len(Mail.search([("recipient_ids", "in", contact.ids)])),
            3,
            "3 a day at most",
        )
        self.assertIn(
            "Please enter a valid email address", self._ask_fresh_link("not an address")
        )

    def test_fresh_link_only_to_the_dunning_contact(self):
        """The address of another contact of the customer is not the one on file for
        reminders."""
        self.authenticate(None, None)
        billing = self.env["res.partner"].create(
            {
                "name": "Billing",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "billing@cascade.example.com",
            }
        )
        self._ask_fresh_link(self.customer.email)
        self.assertFalse(
            self.env["mail.mail"].search(
                [("recipient_ids", "in", (self.customer + billing).ids)]
            )
        )
        self._ask_fresh_link(billing.email)
        self.assertTrue(
            self.env["mail.mail"].search([("recipient_ids", "in", billing.ids)])
        )

    def test_tour_fresh_link(self):
        expired = self.customer._dunning_statement_query(
            self.company, fields.Date.today() - timedelta(days=61)
        )
        self.start_tour(self._url(**expired), "dunning_portal_fresh_link", login=None)
        self.assertTrue(
            self.env["mail.mail"].search([("recipient_ids", "in", self.customer.ids)])
        )

    def test_statement_logged_in(self):
        self.authenticate("cascade_portal", "cascade_portal")
        response = self.url_open(self._url())
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.overdue.name, response.text)
        self.assertNotIn(self.others.name, response.text)
        self.assertIn("/my/dunning/statement", self.url_open("/my").text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["dunning_overdue_count"]}
        )
        self.assertEqual(counters["dunning_overdue_count"], 1)
        pdf = self.url_open(self._url("/my/dunning/statement/pdf"))
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        self.assertIn("Statement", pdf.headers["Content-Disposition"])
        self.assertIn(self.overdue.name, pdf.text)  # tests render reports as HTML
        self.assertNotIn(self.others.name, pdf.text)

    def test_promise_through_link(self):
        self.authenticate(None, None)
        promise_date = fields.Date.today() + timedelta(days=7)
        data = {
            **self.link,
            "move_ids": self.overdue.id,
            "promise_date": str(promise_date),
        }
        self.assertIn(
            self._post("/my/dunning/promise", data, csrf=False).status_code, (400, 403)
        )
        self.assertFalse(
            self.overdue.dunning_pause_reason, "no write without the CSRF token"
        )
        response = self._post("/my/dunning/promise", data)
        self.assertEqual(response.status_code, 303)
        self.assertIn("message=promise", response.headers["Location"])
        promise = self.env["dunning.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(promise.move_ids, self.overdue)
        self.assertEqual(promise.promise_date, promise_date)
        self.assertEqual(promise.amount, 1000.0, "no amount typed: everything due")
        self.assertFalse(promise.activity_ids.user_id.share, "never the public user")
        self.assertEqual(
            self.overdue.message_ids[0].author_id,
            self.customer,
            "the customer wrote it",
        )
        self.assertEqual(
            promise.message_ids.author_id, self.customer, "no note by the public user"
        )
        page = self.url_open(response.headers["Location"]).text
        self.assertIn("Promised", page)
        # a rule broken: the page says why, nothing is written
        response = self._post(
            "/my/dunning/promise", {**data, "move_ids": self.due.id, "amount": "1e309"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("positive number", response.text)
        self.assertEqual(self.env["dunning.promise"].search_count([]), 1)

    def test_dispute_through_link(self):
        self.authenticate(None, None)
        data = {
            **self.link,
            "move_id": self.overdue.id,
            "reason": "not_received",
            "message": "<img src=x onerror=alert(1)>",
        }
        response = self._post(
            "/my/dunning/dispute",
            data,
            files={"attachment": ("setup.exe", EXE, "application/octet-stream")},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("PDF, PNG and JPEG", response.text)
        self.assertFalse(self.env["dunning.dispute"].search([]))
        response = self._post(
            "/my/dunning/dispute",
            data,
            files={"attachment": ("proof.pdf", PDF, "application/pdf")},
        )
        self.assertEqual(response.status_code, 303)
        dispute = self.env["dunning.dispute"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(dispute.attachment_id.raw, PDF)
        self.assertEqual(dispute.message, "<img src=x onerror=alert(1)>")
        self.assertEqual(
            dispute.message_ids.author_id, self.customer, "no note by the public user"
        )
        self.assertIn("Disputed", self.url_open(response.headers["Location"]).text)

    def test_idor_walk(self):
        """Every route, with another customer's ids: 404 revealing nothing, no write."""
        today = fields.Date.today()
        other_link = self.other_customer._dunning_statement_query(self.company, today)
        for login in (None, "cascade_portal"):
            self.authenticate(login, login)
            access = {} if login else self.link
            requests = [
                (
                    "/my/dunning/promise",
                    {
                        **access,
                        "move_ids": self.others.id,
                        "promise_date": str(today + timedelta(days=7)),
                    },
                ),
                (
                    "/my/dunning/promise",
                    {
                        **access,
                        "move_ids": [self.overdue.id, self.others.id],
                        "promise_date": "x",
                    },
                ),
                (
                    "/my/dunning/dispute",
                    {
                        **access,
                        "move_id": self.others.id,
                        "reason": "other",
                        "message": "x",
                    },
                ),
                (
                    "/my/dunning/dispute",
                    {**access, "move_id": "abc", "reason": "other", "message": "x"},
                ),
                ("/my/dunning/pay", {**access, "move_ids": self.others.id}),
                (
                    "/my/dunning/pay",
                    {**access, "move_ids": [self.overdue.id, self.others.id]},
                ),
                (
                    "/my/dunning/promise",
                    {
                        **other_link,
                        "token": self.link["token"],
                        "move_ids": self.others.id,
                        "promise_date": str(today + timedelta(days=7)),
                    },
                ),
            ]
            for path, data in requests:
                with self.subTest(login=login, path=path, data=data):
                    response = self._post(path, data)
                    self.assertEqual(response.status_code, 404)
                    self.assertNotIn(self.other_customer.name, response.text)
                    self.assertNotIn(self.others.name, response.text)
        self.assertFalse(self.env["dunning.promise"].search([]))
        self.assertFalse(self.env["dunning.dispute"].search([]))
        self.assertFalse(self.others.dunning_pause_reason)

    def test_tour_promise_and_dispute(self):
        self.start_tour(
            self._url(**self.link), "dunning_portal_promise_dispute", login=None
        )
        promise = self.env["dunning.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(promise.move_ids, self.overdue)
        self.assertEqual(promise.state, "open")
        dispute = self.env["dunning.dispute"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(dispute.move_id, self.due)
        self.assertEqual(dispute.reason, "already_paid")
