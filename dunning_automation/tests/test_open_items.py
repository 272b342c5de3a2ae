# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""One definition of what a customer owes: every path that reads it says the same."""

from itertools import product

from freezegun import freeze_time

from odoo import Command
from odoo.fields import Domain
from odoo.tests import tagged
from odoo.tools import formatLang

from odoo.addons.dunning_automation import engine

from .common import TODAY, DunningCommon, days

INVOICE_AMOUNT = 1000.0
PARTIAL_PAYMENT = 300.0
CREDITS = {"none": 0.0, "credit_note": -200.0, "misc_credit": -150.0}
# payment states of a posted invoice, set for real (partial) or as Odoo sets them (the
# others)
POSTED_PAYMENT_STATES = (
    "not_paid",
    "partial",
    "in_payment",
    "paid",
    "blocked",
    "invoicing_legacy",
)
PAUSES = {"none": None, "active": days(5), "expired": days(-1)}


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestOpenItems(DunningCommon):
    """Table-driven: for every combination of move state, payment state, instalments,
    pause and credit, the SQL fetch, the domain, the engine, the partner totals, the
    statement, the reminder and the invoice's dunning state agree with the engine's
    vocabulary."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.dunning_tolerance = 0.0
        cls.two_instalments = cls.env["account.payment.term"].create(
            {
                "name": "Half now, half in 40 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 0}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 40}
                    ),
                ],
            }
        )
        combinations = [
            (state, payment_state, instalments, pause, credit)
            for state in ("draft", "posted", "cancel")
            for payment_state in (
                POSTED_PAYMENT_STATES if state == "posted" else ("not_paid",)
            )
            for instalments, pause, credit in product((1, 2), PAUSES, CREDITS)
        ]
        cls.cases = [
            cls._build_case(index, *combination)
            for index, combination in enumerate(combinations)
        ]

    @classmethod
    def _build_case(cls, index, state, payment_state, instalments, pause, credit):
        partner = cls._customer(f"Customer {index}", f"customer{index}@example.com")
        invoice_values = (
            {"invoice_payment_term_id": cls.two_instalments.id}
            if instalments == 2
            else {}
        )
        invoice = cls._create_invoice_one_line(
            price_unit=INVOICE_AMOUNT,
            tax_ids=[],
            partner_id=partner,
            invoice_date=days(-20),
            invoice_date_due=days(-20),
            post=state == "posted",
            **invoice_values,
        )
        if state == "cancel":
            invoice.button_cancel()
        if payment_state == "partial":
            cls.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create(
                {"payment_date": days(-2), "amount": PARTIAL_PAYMENT}
            )._create_payments()
            assert invoice.payment_state == "partial", invoice.payment_state
        elif payment_state != "not_paid":
            invoice.payment_state = (
                payment_state  # as Odoo sets it (no move yet, blocked, legacy)
            )
        if PAUSES[pause]:
            invoice.write(
                {
                    "dunning_paused_until": PAUSES[pause],
                    "dunning_pause_reason": "promise",
                }
            )
        credit_move = cls._credit(partner, credit)
        return {
            "label": f"{state}/{payment_state}/{instalments} instalment(s)/pause "
            f"{pause}/{credit}",
            "partner": partner,
            "invoice": invoice,
            "credit": credit_move,
            **cls._expected(state, payment_state, instalments, pause, credit),
        }

    @classmethod
    def _credit(cls, partner, credit):
        if credit == "credit_note":
            return cls._invoice(
                partner, days(-5), -CREDITS[credit], move_type="out_refund"
            )
        if credit == "misc_credit":
            misc = cls.env["account.move"].create(
                {
                    "move_type": "entry",
                    "date": days(-5),
                    "journal_id": cls.company_data["default_journal_misc"].id,
                    "line_ids": [
                        Command.create(
                            {
                                "name": "Goodwill",
                                "partner_id": partner.id,
                                "credit": -CREDITS[credit],
                                "account_id": cls.company_data[
                                    "default_account_receivable"
                                ].id,
                            }
                        ),
                        Command.create(
                            {
                                "name": "Goodwill",
                                "debit": -CREDITS[credit],
                                "account_id": cls.company_data[
                                    "default_account_revenue"
                                ].id,
                            }
                        ),
                    ],
                }
            )
            misc.action_post()
            return misc
        return cls.env["account.move"]

    @staticmethod
    def _expected(state, payment_state, instalments, pause, credit):
        """What the customer owes, worked out by hand from the vocabulary of
        engine.py."""
        is_open = state == "posted" and payment_state in ("not_paid", "partial")
        residual = INVOICE_AMOUNT - (
            PARTIAL_PAYMENT if payment_state == "partial" else 0.0
        )
        # the payment settles the first instalment first; the second one is not due yet
        past_due = (
            residual
            if instalments == 1
            else INVOICE_AMOUNT / 2 - (INVOICE_AMOUNT - residual)
        )
        paused = pause == "active"
        balance = (residual if is_open else 0.0) + CREDITS[credit]
        overdue = past_due if is_open and not paused else 0.0
        if state != "posted" or payment_state in ("blocked", "invoicing_legacy"):
            dunning_state = False
        elif payment_state in ("in_payment", "paid"):
            dunning_state = "paid"
        else:
            dunning_state = "paused" if paused else "overdue"
        return {
            "open": is_open,
            "balance": balance,
            "overdue": overdue,
            "dunning_state": dunning_state,
            "status": "promised" if paused else "overdue",
            "reminded": is_open and not paused and balance > 0,
        }

    def _money(self, amount):
        return formatLang(self.env, amount, currency_obj=self.company.currency_id)

    def test_every_path_agrees(self):
        Line = self.env["account.move.line"]
        run = self._run()
        for case in self.cases:
            partner, invoice = case["partner"], case["invoice"]
            with self.subTest(case["label"]):
                receivable = (invoice | case["credit"]).line_ids.filtered(
                    lambda line: line.account_type == "asset_receivable"
                )
                expected_lines = (
                    receivable if case["open"] else receivable & case["credit"].line_ids
                )
                # the SQL fetch, the domain and the engine items
                rows = self.env["dunning.planner"]._fetch_open_items(
                    self.company, partner
                )
                self.assertEqual(
                    {row["line_id"] for row in rows}, set(expected_lines.ids)
                )
                searched = Line.search(
                    Line._dunning_open_domain() & Domain("partner_id", "=", partner.id)
                )
                self.assertEqual(searched, expected_lines)
                items = partner._dunning_open_items(self.company)
                self.assertEqual(
                    {item.line_id for item in items}, set(expected_lines.ids)
                )
                self.assertEqual(
                    {item.line_id for item in invoice.line_ids._dunning_engine_items()},
                    set((expected_lines & invoice.line_ids).ids),
                    "the Python side (filtered_domain) reads the same domain",
                )
                totals = engine.totals_by_currency(items, TODAY)
                currency_totals = totals.get(
                    self.company.currency_id.id, engine.Totals(None)
                )
                self.assertAlmostEqual(currency_totals.balance, case["balance"])
                self.assertAlmostEqual(currency_totals.overdue, case["overdue"])
                # the customer form and the worklist
                partner.invalidate_recordset(
                    ["dunning_amount_due", "dunning_amount_overdue"]
                )
                self.assertAlmostEqual(partner.dunning_amount_due, case["balance"])
                self.assertAlmostEqual(partner.dunning_amount_overdue, case["overdue"])
                # the statement (page and PDF share these values)
                statement = partner._dunning_statement_values(self.company, TODAY)
                listed = {
                    line["move"]
                    for line in statement["invoices"] + statement["credits"]
                }
                self.assertEqual(listed, set(expected_lines.move_id))
                if expected_lines:
                    [total] = statement["totals"]
                    self.assertEqual(total["residual"], self._money(case["balance"]))
                    self.assertEqual(total["overdue"], self._money(case["overdue"]))
                else:
                    self.assertEqual(statement["totals"], [])
                if case["open"]:
                    [invoice_line] = statement["invoices"]
                    self.assertEqual(invoice_line["status"], case["status"])
                    self.assertEqual(
                        invoice._dunning_portal_status(TODAY), case["status"]
                    )
                # the reminder: its totals, rendered, are the statement's
                communication = run.communication_ids.filtered(
                    lambda c, partner=partner: c.partner_id == partner
                )
                self.assertEqual(bool(communication), case["reminded"])
                if communication:
                    self.assertEqual(
                        communication._totals_by_currency(),
                        [(self.company.currency_id, case["balance"], case["overdue"])],
                    )
                    body = str(communication.body_html)
                    self.assertIn(f"{case['balance']:,.2f}", body)
                    self.assertIn(f"{case['overdue']:,.2f}", body)
                    if case["credit"]:
                        self.assertIn(case["credit"].name, body, "credits are listed")
                # the invoice's dunning state
                expected_state = case["dunning_state"]
                if communication and expected_state == "overdue":
                    expected_state = "in_dunning"
                self.assertEqual(invoice.dunning_state, expected_state)
                self.assertEqual(
                    invoice._dunning_state_on(TODAY),
                    expected_state,
                    "the stored state is the state of the day",
                )
                if case["dunning_state"] == "paused":
                    self.assertFalse(
                        invoice.dunning_next_date,
                        "a paused invoice has no next reminder",
                    )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestCustomerOwes(DunningCommon):
    """The user's case: the reminder and the statement give the same total."""

    def test_reminder_total_is_statement_total(self):
        invoices = self._invoice(self.customer, days(-30), 50000.0) + self._invoice(
            self.customer, days(-10), 48375.0
        )
        refunds = self._invoice(
            self.customer, days(-8), 30000.0, move_type="out_refund"
        ) + self._invoice(self.customer, days(-4), 20000.0, move_type="out_refund")
        not_due = self._invoice(self.customer, days(15), 1000.0)
        misc = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": days(-3),
                "journal_id": self.company_data["default_journal_misc"].id,
                "line_ids": [
                    Command.create(
                        {
                            "name": "Volume rebate",
                            "partner_id": self.customer.id,
                            "credit": 4625.0,
                            "account_id": self.company_data[
                                "default_account_receivable"
                            ].id,
                        }
                    ),
                    Command.create(
                        {
                            "name": "Volume rebate",
                            "debit": 4625.0,
                            "account_id": self.company_data[
                                "default_account_revenue"
                            ].id,
                        }
                    ),
                ],
            }
        )
        misc.action_post()
        self._run()
        communication = self._communications(self.customer)
        usd = self.company.currency_id
        # 98,375 invoiced and overdue, 54,625 of credits, 1,000 not due yet
        self.assertEqual(communication._totals_by_currency(), [(usd, 44750.0, 98375.0)])
        body = str(communication.body_html)
        self.assertIn(misc.name, body, "the misc credit is listed in the reminder")
        for refund in refunds:
            self.assertIn(refund.name, body)

        statement = self.customer._dunning_statement_values(self.company, TODAY)
        self.assertEqual(
            [line["move"] for line in statement["credits"]], list(refunds + misc)
        )
        self.assertEqual(
            {line["move"] for line in statement["invoices"]}, set(invoices + not_due)
        )
        [total] = statement["totals"]
        self.assertEqual(
            total["residual"], formatLang(self.env, 44750.0, currency_obj=usd)
        )
        self.assertEqual(
            total["overdue"], formatLang(self.env, 98375.0, currency_obj=usd)
        )
        self.assertIn("44,750.00", body, "the reminder's total is the statement's")
        self.assertIn("98,375.00", body)

        report = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "dunning_automation.action_report_dunning_statement", self.customer.ids
            )[0]
            .decode()
        )
        self.assertIn(misc.name, report, "the PDF lists the misc credit")
        self.assertIn(total["residual"], report)
        self.assertNotIn("Not Yet Used", report)

        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.dunning_amount_due, 44750.0)
        self.assertEqual(self.customer.dunning_amount_overdue, 98375.0)

    def test_paused_invoice_has_no_next_date(self):
        invoice = self._invoice(self.customer, days(-8))
        self._run()
        next_date = invoice.dunning_next_date
        self.assertTrue(next_date)
        invoice.write(
            {"dunning_paused_until": days(10), "dunning_pause_reason": "manual"}
        )
        self.assertFalse(
            invoice.dunning_next_date, "paused: no next reminder, wherever it is shown"
        )
        self.assertEqual(invoice.dunning_state, "paused")
        self._run(days(1))
        self.assertFalse(
            invoice.dunning_next_date, "the run plans no reminder during the pause"
        )
        self._run(days(11))
        self.assertEqual(
            invoice.dunning_next_date, next_date, "planned again once the pause is over"
        )

    def test_foreign_currency_totals(self):
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        self._invoice(self.customer, days(-8), 1200.0)
        self._invoice(self.customer, days(-8), 500.0, currency_id=eur.id)
        self.customer.invalidate_recordset()
        self.assertEqual(
            self.customer.dunning_amount_due,
            1450.0,
            "company currency, at the invoices' rates",
        )
        by_currency = self.customer.dunning_amounts_by_currency
        self.assertIn(formatLang(self.env, 500.0, currency_obj=eur), by_currency)
        self.assertIn(
            formatLang(self.env, 1200.0, currency_obj=self.company.currency_id),
            by_currency,
        )
