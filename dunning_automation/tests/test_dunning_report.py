# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDunningReport(DunningCommon):
    """The KPI service and the aging view on the three-month ledger of
    ``test_analytics_kpi`` (its docstring has the hand computation)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_currency = cls.setup_other_currency("EUR")
        cls.company_b = cls.setup_other_company(name="Dunning B")["company"]
        ledger = [
            (
                "INV0",
                date(2025, 12, 1),
                500,
                date(2025, 12, 31),
                [(500, date(2026, 1, 15))],
            ),
            (
                "INV1",
                date(2026, 1, 10),
                1000,
                date(2026, 2, 9),
                [(1000, date(2026, 2, 20))],
            ),
            (
                "INV2",
                date(2026, 1, 20),
                2000,
                date(2026, 2, 19),
                [(500, date(2026, 3, 10))],
            ),
            ("INV3", date(2026, 2, 15), 1500, date(2026, 3, 17), []),
            ("INV4", date(2026, 3, 5), 3000, date(2026, 4, 4), []),
            ("INV5", date(2026, 3, 20), 1000, date(2026, 4, 19), []),
        ]
        cls.invoices = {}
        for name, issued, amount, due, payments in ledger:
            invoice = cls._invoice(cls.customer, due, amount, invoice_date=issued)
            for paid, on in payments:
                cls._pay(invoice, paid, on)
            cls.invoices[name] = invoice

    @classmethod
    def _pay(cls, invoice, amount, on):
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount, "payment_date": on})._create_payments()

    def _aging(self, day, domain=()):
        Aging = self.env["dunning.report.aging"]
        Aging.invalidate_model()  # the rows of another date are cached under same ids
        return Aging.with_context(
            dunning_report_date=day, allowed_company_ids=self.company.ids
        ).search(list(domain))

    def test_kpis_quarter(self):
        result = self.env["dunning.report.kpi"]._kpis(
            self.company, date(2026, 1, 1), date(2026, 3, 31)
        )
        period = result["period"]
        self.assertAlmostEqual(period["sales"], 8500)
        self.assertAlmostEqual(period["receivables"], 7000)
        self.assertAlmostEqual(period["current"], 4000)
        self.assertAlmostEqual(period["dso"], 7000 / 8500 * 90)
        self.assertAlmostEqual(period["best_possible_dso"], 4000 / 8500 * 90)
        self.assertAlmostEqual(period["add"], 3000 / 8500 * 90)
        self.assertAlmostEqual(period["countback_dso"], 74.5)
        self.assertEqual(
            [(m["month"], round(m["cei"], 4)) for m in result["months"]],
            [
                (date(2026, 1, 1), 100.0),
                (date(2026, 2, 1), round(100 / 3, 4)),
                (date(2026, 3, 1), round(100 / 7, 4)),
            ],
        )
        self.assertEqual(
            [m["overdue"] for m in result["months"]], [0.0, 2000.0, 3000.0]
        )

    def test_kpis_empty_period(self):
        """A period with no data: no KPI, no traceback (bad input 34)."""
        period = self.env["dunning.report.kpi"]._kpis(
            self.company_b, date(2026, 1, 1), date(2026, 1, 31)
        )["period"]
        self.assertIsNone(period["dso"])
        self.assertIsNone(period["cei"])
        self.assertEqual(period["countback_dso"], 0.0)

    def test_aging_as_of(self):
        rows = self._aging(date(2026, 3, 31))
        by_bucket = {}
        for row in rows:
            by_bucket[row.aging_bucket] = (
                by_bucket.get(row.aging_bucket, 0) + row.residual
            )
        self.assertEqual(by_bucket, {"not_due": 4000, "1_30": 1500, "31_60": 1500})
        self.assertEqual(
            rows.filtered(lambda r: r.move_id == self.invoices["INV2"]).days_overdue, 40
        )
        # at the end of January, INV2 was still wholly open and INV0 paid
        january = self._aging(date(2026, 1, 31))
        self.assertEqual(
            sorted(january.move_id.mapped("name")),
            sorted((self.invoices["INV1"] | self.invoices["INV2"]).mapped("name")),
        )
        self.assertEqual(
            sum(january.mapped("residual")),
            3000,
            [(r.move_id.name, r.move_line_id.balance, r.residual) for r in january],
        )

    def test_aging_read_group_drill_down(self):
        """The pivot's totals per bucket, and the drill-down to a bucket's invoices."""
        Aging = self.env["dunning.report.aging"].with_context(
            dunning_report_date=date(2026, 3, 31)
        )
        groups = Aging._read_group(
            [], groupby=["aging_bucket"], aggregates=["residual:sum"]
        )
        self.assertEqual(dict(groups), {"not_due": 4000, "1_30": 1500, "31_60": 1500})
        bucket = Aging.search([("aging_bucket", "=", "31_60")])
        action = bucket.action_open_invoice()
        self.assertEqual(action["res_id"], self.invoices["INV2"].id)

    def test_multi_company_and_currency(self):
        """Another company's invoices stay out; a foreign invoice keeps its currency
        and counts in company currency."""
        foreign = self._invoice(
            self.customer,
            date(2026, 4, 30),
            600,
            invoice_date=date(2026, 3, 31),
            currency_id=self.other_currency.id,
        )
        other = (
            self.env["account.move"]
            .with_company(self.company_b)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": date(2026, 3, 1),
                    "invoice_date_due": date(2026, 3, 31),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "B",
                                "quantity": 1,
                                "price_unit": 99,
                                "tax_ids": [],
                            }
                        )
                    ],
                }
            )
        )
        other.action_post()
        rows = self._aging(date(2026, 3, 31))
        self.assertNotIn(other, rows.move_id)
        row = rows.filtered(lambda r: r.move_id == foreign)
        self.assertEqual(row.currency_id, self.other_currency)
        self.assertAlmostEqual(row.residual_currency, 600)
        self.assertAlmostEqual(row.residual, foreign.amount_total_signed)
        # the reader of company B only sees B's item
        rows_b = (
            self.env["dunning.report.aging"]
            .with_context(dunning_report_date=date(2026, 3, 31))
            .with_company(self.company_b)
            .with_context(allowed_company_ids=self.company_b.ids)
        )
        user_b = new_test_user(
            self.env,
            "aging_b",
            groups="account.group_account_invoice",
            company_id=self.company_b.id,
            company_ids=self.company_b.ids,
        )
        self.assertEqual(rows_b.with_user(user_b).search([]).move_id, other)
        kpis_b = self.env["dunning.report.kpi"]._kpis(
            self.company_b, date(2026, 3, 1), date(2026, 3, 31)
        )["period"]
        self.assertAlmostEqual(kpis_b["receivables"], 99)

    def test_cash_forecast(self):
        """On Tuesday 2026-03-31: INV2 and INV3 are late (this week), INV5 promised
        for 2026-04-06 (next week), INV4 expected by the risk model on 2026-04-20."""
        self.invoices["INV4"].dunning_expected_pay_date = date(2026, 4, 20)
        inv5 = self.invoices["INV5"]
        self.env["dunning.promise"].sudo().create(
            {
                "company_id": self.company.id,
                "partner_id": self.customer.id,
                "move_ids": inv5.ids,
                "currency_id": inv5.currency_id.id,
                "promise_date": date(2026, 4, 6),
                "paused_until": date(2026, 4, 9),
                "amount": 1000,
            }
        )
        result = self.env["dunning.report.kpi"]._cash_forecast(
            self.company, date(2026, 3, 31)
        )
        currency = self.company.currency_id.name
        self.assertEqual(result["model"][currency][:5], [3000, 1000, 0, 3000, 0])
        self.assertEqual(result["naive"][currency][:5], [6000, 0, 1000, 0, 0])
        self.assertEqual(len(result["model"][currency]), 12)

    def test_access(self):
        """Invoicing users and auditors read, nobody writes; others see nothing."""
        Aging = self.env["dunning.report.aging"].with_context(
            dunning_report_date=date(2026, 3, 31)
        )
        for login, groups in (
            ("aging_invoice", "account.group_account_invoice"),
            ("aging_manager", "account.group_account_manager"),
            ("aging_auditor", "account.group_account_readonly"),
        ):
            user = new_test_user(
                self.env,
                login,
                groups=groups,
                company_id=self.company.id,
                company_ids=self.company.ids,
            )
            rows = Aging.with_user(user).search([])
            self.assertEqual(len(rows), 4, login)
            with self.assertRaises(AccessError):
                rows.check_access("write")
        nobody = new_test_user(self.env, "aging_nobody", groups="base.group_user")
        with self.assertRaises(AccessError):
            Aging.with_user(nobody).search([])
