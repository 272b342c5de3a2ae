# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import math
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.dunning_automation.models.dunning_risk_scoring import (
    INVOICE_RISK_FIELDS,
)
from odoo.addons.dunning_automation.models.dunning_risk_scoring import (
    PARTNER_RISK_FIELDS as RISK_FIELDS,
)
from odoo.addons.dunning_automation.risk import reasons as R

from .common import TODAY, DunningCommon, days, post_overdue_invoice

# the reasons that say how a customer pays
HOW_IT_PAYS = r"pays \d+ days late on average|paid \d+ of its last \d+ invoices late"


class DunningRiskCommon(DunningCommon):
    """Builders for invoice histories and the scoring entry points."""

    @classmethod
    def _paid_invoice(cls, partner, invoice_date, days_late, amount=1000.0, **values):
        """An invoice due 30 days after ``invoice_date``, paid ``days_late`` days after
        its due date."""
        due = invoice_date + timedelta(days=30)
        invoice = cls._invoice(
            partner, due, amount, invoice_date=invoice_date, **values
        )
        cls._pay(invoice, due + timedelta(days=days_late))
        return invoice

    @classmethod
    def _pay(cls, invoice, on, amount=None):
        values = {"payment_date": on}
        if amount is not None:
            values["amount"] = amount
        cls._register_payment(invoice, **values)

    def _frame(self, company=None):
        return (
            self.env["dunning.risk.scoring"]
            ._invoice_frame(company or self.company)
            .set_index("invoice_id")
        )

    def _score(self, company=None):
        with freeze_time(TODAY):
            return self.env["dunning.risk.scoring"]._score_company(
                company or self.company
            )

    def _risk(self, partner, company=None):
        """The partner's stored scores and their wording (reasons, fallback note) in
        ``company``."""
        return partner.with_company(company or self.company).read(
            [*RISK_FIELDS, "dunning_risk_reasons", "dunning_risk_fallback"]
        )[0]


@tagged("post_install", "-at_install")
class TestDunningRiskExtraction(DunningRiskCommon):
    """The invoice frame given to the risk package: one query per company."""

    def test_partial_payments_paid_when_fully_paid(self):
        invoice = self._invoice(
            self.customer, days(-40), 1000.0, invoice_date=days(-70)
        )
        self._pay(invoice, days(-45), amount=400.0)
        self.assertIsNone(
            self._frame().at[invoice.id, "paid_date"], "partly paid: still open"
        )
        self._pay(invoice, days(-30), amount=600.0)
        self.assertEqual(
            self._frame().at[invoice.id, "paid_date"],
            days(-30),
            "paid on the last payment",
        )

    def test_credit_notes(self):
        reversed_invoice = self._invoice(
            self.customer, days(-40), 500.0, invoice_date=days(-70)
        )
        self._reverse_invoice(reversed_invoice, post=True)
        self.assertEqual(reversed_invoice.payment_state, "reversed")
        settled = self._invoice(
            self.customer, days(-40), 1000.0, invoice_date=days(-70)
        )
        self._pay(settled, days(-50), amount=700.0)
        refund = self._invoice(
            self.customer,
            days(-20),
            300.0,
            move_type="out_refund",
            invoice_date=days(-20),
        )
        (settled + refund).line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).reconcile()
        frame = self._frame()
        self.assertNotIn(
            reversed_invoice.id, frame.index, "a fully reversed invoice is no outcome"
        )
        self.assertNotIn(refund.id, frame.index, "credit notes are not invoices")
        self.assertEqual(
            frame.at[settled.id, "paid_date"], days(-20), "the credit note settled it"
        )

    def test_amounts_in_company_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        invoice = self._invoice(self.customer, days(-10), 1000.0, currency_id=eur.id)
        row = self._frame().loc[invoice.id]
        self.assertEqual(row["amount"], 500.0)
        self.assertEqual(row["currency"], "EUR")
        self.assertEqual(row["partner_id"], self.customer.id)

    def test_exchange_difference_is_no_payment(self):
        """A foreign-currency invoice is paid on its payment's date, not on its exchange
        difference entry's (which Odoo dates on the last day of the payment's month when
        that month is over)."""
        eur = self.setup_other_currency(
            "EUR", rates=[("2020-01-01", 2.0), (str(days(-55)), 2.5)]
        )
        with freeze_time(TODAY):
            invoice = self._invoice(
                self.customer,
                days(-60),
                1000.0,
                currency_id=eur.id,
                invoice_date=days(-90),
            )
            self._pay(invoice, days(-50))
        exchange = invoice.line_ids.matched_credit_ids.exchange_move_id
        self.assertEqual(
            exchange.date,
            days(-50).replace(day=31),
            "the test needs an exchange difference",
        )
        self.assertEqual(self._frame().at[invoice.id, "paid_date"], days(-50))

    def test_disputed_from_first_portal_dispute(self):
        """Every portal dispute counts, a rejected one too: the invoice is disputed from
        the first."""
        invoice, undisputed = (
            self._invoice(self.customer, days(-10)),
            self._invoice(self.customer, days(-10)),
        )
        disputes = self.env["dunning.dispute"].sudo()
        first = disputes._portal_create(
            self.company, self.customer, invoice.id, "wrong_amount", "Wrong amount."
        )
        self.env.cr.execute(
            SQL(
                "UPDATE dunning_dispute SET create_date = %s WHERE id = %s",
                days(-12),
                first.id,
            )
        )
        first.reply = "The amount is right."
        first.action_reject()
        disputes._portal_create(
            self.company, self.customer, invoice.id, "other", "Still wrong."
        )
        frame = self._frame()
        self.assertEqual(frame.at[invoice.id, "disputed_date"], days(-12))
        self.assertIsNone(frame.at[undisputed.id, "disputed_date"])

    def test_commercial_partner_and_company_isolation(self):
        contact = self.env["res.partner"].create(
            {"name": "Buyer", "parent_id": self.customer.id}
        )
        invoice = self._invoice(contact, days(-10))
        other = self.setup_other_company()
        other_invoice = self._invoice(
            self.customer,
            days(-10),
            company_id=other["company"].id,
            journal_id=other["default_journal_sale"].id,
        )
        frame = self._frame()
        self.assertEqual(frame.at[invoice.id, "partner_id"], self.customer.id)
        self.assertNotIn(other_invoice.id, frame.index)
        self.assertEqual(
            self._frame(other["company"]).index.tolist(), [other_invoice.id]
        )


@tagged("post_install", "-at_install")
class TestDunningRiskScoring(DunningRiskCommon):
    """Three reliable and three chronically late customers, each with a year of paid
    invoices (12 each)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reliable = cls.env["res.partner"].create(
            [{"name": f"Reliable {i}", "is_company": True} for i in range(3)]
        )
        cls.late = cls.env["res.partner"].create(
            [{"name": f"Late {i}", "is_company": True} for i in range(3)]
        )
        for index in range(12):
            invoice_date = days(-380 + 27 * index)
            for rank, partner in enumerate(cls.reliable):
                cls._paid_invoice(
                    partner, invoice_date, -3 + (index + rank) % 4, 800.0 + 100 * rank
                )
            for rank, partner in enumerate(cls.late):
                cls._paid_invoice(
                    partner,
                    invoice_date,
                    20 + 5 * ((index + rank) % 4),
                    900.0 + 100 * rank,
                )
        cls.overdue = cls.env["account.move"].concat(
            *(
                cls._invoice(partner, days(-20), 2000.0 + 500 * rank)
                for rank, partner in enumerate(cls.late)
            )
        )
        cls.not_due = cls.env["account.move"].concat(
            *(cls._invoice(partner, days(10), 1000.0) for partner in cls.reliable)
        )

    def test_late_payers_score_higher(self):
        result = self._score()
        self.assertFalse(result["fallback"], "enough history for the model")
        self.assertEqual(result["partners"], 6)
        self.assertEqual(result["invoices"], 6, "the open invoices")
        reliable = [self._risk(partner) for partner in self.reliable]
        late = [self._risk(partner) for partner in self.late]
        self.assertGreater(
            min(r["dunning_risk_score"] for r in late),
            max(r["dunning_risk_score"] for r in reliable),
        )
        for risk in reliable + late:
            self.assertEqual(risk["dunning_risk_date"], TODAY)
            self.assertTrue(risk["dunning_risk_reasons"])
            self.assertTrue(risk["dunning_risk_band"])
            self.assertTrue(risk["dunning_segment"])
            for name in ("dunning_expected_days_late", "dunning_priority"):
                self.assertTrue(math.isfinite(risk[name]), name)
        bands = ["low", "medium", "high", "critical"]
        self.assertGreater(
            min(bands.index(r["dunning_risk_band"]) for r in late),
            max(bands.index(r["dunning_risk_band"]) for r in reliable),
        )
        self.assertRegex(late[0]["dunning_risk_reasons"], HOW_IT_PAYS, "how it pays")
        self.assertNotIn(
            "overdue", " ".join(r["dunning_risk_reasons"] for r in reliable)
        )
        self.assertFalse(
            any(r["dunning_risk_fallback"] for r in reliable + late),
            "the model, not an estimate",
        )
        self.assertEqual({r["dunning_segment"] for r in late}, {"chronic_late"})
        # collector worklist: customers with something overdue, most urgent first
        worklist = (
            self.env["res.partner"]
            .with_company(self.company)
            .search([("dunning_priority", ">", 0)], order="dunning_priority desc")
        )
        self.assertEqual(set(worklist.ids), set(self.late.ids))
        self.assertEqual(
            worklist.ids,
            self.late.ids[::-1],
            "the largest overdue amount at the same risk first",
        )
        # invoices
        for invoice in self.overdue:
            self.assertEqual(invoice.dunning_late_probability, 1.0, "already overdue")
            self.assertGreaterEqual(invoice.dunning_expected_pay_date, TODAY)
            self.assertEqual(
                invoice.dunning_risk_reasons.splitlines()[0], "already 20 days overdue"
            )
        for invoice in self.not_due:
            self.assertLess(invoice.dunning_late_probability, 0.5)
            self.assertTrue(invoice.dunning_expected_pay_date)
            self.assertTrue(invoice.dunning_risk_reasons)
            self.assertNotIn("overdue", invoice.dunning_risk_reasons, "due in 10 days")

    def test_paid_invoice_and_excluded_partner_cleared(self):
        self._score()
        excluded = self.late[0]
        excluded.dunning_risk_excluded = True
        self._pay(self.overdue[1], days(-1))
        result = self._score()
        self.assertEqual((result["partners"], result["invoices"]), (5, 4))
        self.assertFalse(
            any(self._risk(excluded)[name] for name in RISK_FIELDS),
            "excluded: not scored",
        )
        [excluded_invoice, paid_invoice, open_invoice] = self.overdue.read(
            list(INVOICE_RISK_FIELDS)
        )
        self.assertFalse(
            any(excluded_invoice[name] for name in INVOICE_RISK_FIELDS),
            "its invoices neither",
        )
        self.assertFalse(
            any(paid_invoice[name] for name in INVOICE_RISK_FIELDS),
            "paid since the last scoring",
        )
        self.assertTrue(all(open_invoice[name] for name in INVOICE_RISK_FIELDS))
        self.assertTrue(
            self.overdue[2].dunning_risk_reasons.startswith("already 20 days overdue")
        )

    def test_scores_per_company(self):
        other = self.setup_other_company()["company"]
        self._score()
        self.assertFalse(
            self._risk(self.late[0], other)["dunning_risk_date"],
            "not scored in the other company",
        )
        result = self._score(other)
        self.assertEqual(result["fallback"], ("no_invoice", {}))
        self.assertTrue(
            self._risk(self.late[0])["dunning_risk_date"],
            "the first company's scores are kept",
        )

    def test_cron_scores_every_company(self):
        cron = self.env.ref("dunning_automation.ir_cron_dunning_risk")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "weeks"))
        with freeze_time(TODAY), self.enter_registry_test_mode():
            self.assertIs(cron.method_direct_trigger(), True)
        self.assertTrue(
            all(
                self._risk(partner)["dunning_risk_date"] == TODAY
                for partner in self.late | self.reliable
            )
        )

    def test_retrain_button(self):
        with freeze_time(TODAY):
            action = (
                self.env["res.config.settings"].create({}).action_dunning_retrain_risk()
            )
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("6 customers", action["params"]["message"])

    def test_retrain_from_dunning_menu(self):
        """Dunning > Retrain Risk Model: accounting managers only, scores the user's
        current company."""
        menu_action = self.env.ref("dunning_automation.action_dunning_retrain_risk")
        self.assertEqual(
            self.env.ref("dunning_automation.menu_dunning_retrain_risk").action,
            menu_action,
        )
        company = {"company_id": self.company.id, "company_ids": self.company.ids}
        accountant = new_test_user(
            self.env,
            login="risk_invoicing",
            groups="account.group_account_invoice",
            **company,
        )
        manager = new_test_user(
            self.env,
            login="risk_manager",
            groups="account.group_account_manager",
            **company,
        )
        menu = self.env.ref("dunning_automation.menu_dunning_retrain_risk")
        admin = self.env.ref("base.user_admin")
        for user in (manager, admin):
            self.assertIn(
                menu.id,
                self.env["ir.ui.menu"].with_user(user)._visible_menu_ids(),
                user.login,
            )
        self.assertNotIn(
            menu.id, self.env["ir.ui.menu"].with_user(accountant)._visible_menu_ids()
        )
        with freeze_time(TODAY):
            with self.assertRaises(AccessError):
                menu_action.with_user(accountant).run()
            with self.assertRaises(AccessError):
                self.env["dunning.risk.scoring"].with_user(
                    accountant
                ).action_retrain_current_company()
            self.assertFalse(
                self._risk(self.late[0])["dunning_risk_date"], "nothing scored"
            )
            action = menu_action.with_user(manager).run()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn(
            "6 customers and 6 open invoices scored", action["params"]["message"]
        )
        self.assertEqual(
            action["params"]["next"]["res_model"],
            "res.partner",
            "then the collector worklist",
        )
        for partner in self.late | self.reliable:
            self.assertEqual(self._risk(partner)["dunning_risk_date"], TODAY)
        self.assertTrue(all(self.overdue.mapped("dunning_risk_reasons")))

    def test_retrain_reports_fallback(self):
        """With too little history the notification says why the scores are simple
        estimates."""
        manager = new_test_user(
            self.env,
            login="risk_manager",
            groups="account.group_account_manager",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        (self.late | self.reliable).dunning_risk_excluded = True
        self._invoice(self.customer, days(-5), invoice_date=days(-35))
        with freeze_time(TODAY):
            action = (
                self.env["dunning.risk.scoring"]
                .with_user(manager)
                .action_retrain_current_company()
            )
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn(
            "1 customers and 1 open invoices scored", action["params"]["message"]
        )
        self.assertIn(
            "Simple estimates only: not enough history: 0 invoices due more than "
            "15 days ago, 30 needed.",
            action["params"]["message"],
        )
        self.assertIn(
            "not the full model", self._risk(self.customer)["dunning_risk_fallback"]
        )

    def test_reasons_in_reader_language(self):
        """Stored as codes, worded when read: a French user reads French, an English one
        English."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["dunning_automation"], ["fr_FR"], overwrite=True
        )
        self._score()
        late = self.late[0].with_company(self.company)
        english = late.dunning_risk_reasons
        french = late.with_context(lang="fr_FR").dunning_risk_reasons
        self.assertRegex(english, HOW_IT_PAYS)
        self.assertNotEqual(french, english)
        self.assertRegex(french, "paie en moyenne|a payé en retard")
        self.assertIn(
            "déjà en retard de 20 jours",
            self.overdue[0].with_context(lang="fr_FR").dunning_risk_reasons,
        )
        # the fallback note too
        (self.late | self.reliable).dunning_risk_excluded = True
        self._invoice(self.customer, days(-5), invoice_date=days(-35))
        self._score()
        note = (
            self.customer.with_company(self.company)
            .with_context(lang="fr_FR")
            .dunning_risk_fallback
        )
        self.assertIn("historique propre du client", note)
        self.assertIn("historique insuffisant", note)

    def test_open_exposure_reason_singular_and_plural(self):
        scoring = self.env["dunning.risk.scoring"]
        labels = scoring._risk_reason_labels()

        def text(count):
            params = {"count": count, "amount": 1364}
            return scoring._risk_text(labels, R.REASON_OPEN_EXPOSURE, params)

        self.assertEqual(text(1), "1,364 already open on one invoice")
        self.assertEqual(text(3), "1,364 already open across 3 invoices")

    def test_writes_do_not_grow_with_customers(self):
        """Scores are written in a fixed number of queries, however many customers and
        invoices."""

        def scoring_queries():
            self.env.flush_all()
            self.env.invalidate_all()  # as in a cron worker: nothing in cache
            queries = self.env.cr.sql_log_count
            self._score()
            self.env.flush_all()
            return self.env.cr.sql_log_count - queries

        self._score()  # the next scorings have nothing left to clear
        six_customers = scoring_queries()
        (self.late[1:] | self.reliable[1:]).dunning_risk_excluded = True
        self._score()  # clears the four excluded customers and their invoices
        two_customers = scoring_queries()
        self.assertEqual(self._score()["partners"], 2)
        self.assertEqual(six_customers, two_customers)
        self.assertLess(six_customers, 20)

    def test_backtest_wizard(self):
        """With its defaults, on a year of history: metrics next to what they mean for
        collections."""
        wizard = self.env["dunning.risk.backtest"].create({})
        wizard.action_run()
        self.assertFalse(wizard.message)
        for text in (
            "Model",
            "Baseline",
            "ROC AUC",
            "Brier",
            "invoices scored high risk",
            "were paid late",
            "days off on average",
            "Paid late among the 20 % scored highest",
            "of invoices the model scored riskiest",
        ):
            self.assertIn(text, wizard.result_html)
        wizard.min_labelled = 10000
        wizard.action_run()
        self.assertIn("Not enough history", wizard.message)
        self.assertFalse(wizard.result_html)


@tagged("post_install", "-at_install")
class TestDunningRiskBadInputs(DunningRiskCommon):
    """Little or broken history: clear reasons, never NaN."""

    def test_no_invoice(self):
        result = self._score()
        self.assertEqual(result["fallback"], ("no_invoice", {}))
        self.assertEqual(result["partners"], 0)

    def test_insufficient_data(self):
        self._paid_invoice(self.customer, days(-100), 5)
        open_invoice = self._invoice(
            self.other_customer, days(-5), invoice_date=days(-35)
        )
        result = self._score()
        self.assertEqual(result["fallback"][0], "insufficient_data")
        for partner in self.customer | self.other_customer:
            risk = self._risk(partner)
            self.assertEqual(
                risk["dunning_risk_fallback"],
                "Simple estimate from the customer's own history, not the full model: "
                "not enough history: 1 invoices due more than 15 days ago, 30 "
                "needed.",
            )
            self.assertTrue(0 <= risk["dunning_risk_score"] <= 100)
            self.assertTrue(math.isfinite(risk["dunning_expected_days_late"]))
        reasons = open_invoice.dunning_risk_reasons.splitlines()
        self.assertIn("not the full model", reasons[0], "the invoice says it too")
        self.assertEqual(reasons[1], "already 5 days overdue")

    def _break_due_date(self, invoice):
        """Give ``invoice`` a due date before its invoice date, as a faulty import
        would."""
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET invoice_date_due = invoice_date - 30 "
                "WHERE id = %s",
                invoice.id,
            )
        )
        invoice.invalidate_recordset(["invoice_date_due"])

    def test_only_invalid_or_future_invoices(self):
        self._break_due_date(self._invoice(self.customer, days(-10)))
        self._invoice(self.other_customer, days(60), invoice_date=days(30))
        result = self._score()
        self.assertEqual(result["rejected"], 1, "the future invoice is not history yet")
        self.assertEqual(result["fallback"][0], "no_invoice")
        self.assertFalse(self._risk(self.customer)["dunning_risk_date"])

    def test_due_date_before_invoice_date_left_out(self):
        invoice = self._paid_invoice(self.customer, days(-100), 5)
        broken = self._invoice(self.customer, days(-10))
        self._break_due_date(broken)
        result = self._score()
        self.assertEqual(result["rejected"], 1)
        self.assertEqual(result["partners"], 1)
        self.assertFalse(broken.dunning_expected_pay_date)
        self.assertTrue(invoice.exists())
        wizard = self.env["dunning.risk.backtest"].create({})
        wizard.action_run()
        self.assertIn(
            "1 invoices were left out: due_date before invoice_date", wizard.message
        )
        self.assertIn("Not enough history", wizard.message)


@tagged("post_install", "-at_install")
class TestDunningRiskPolicy(DunningRiskCommon):
    """Risk-driven policies and who may see the scores."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.critical_policy = cls.env["dunning.policy"].create(
            {
                "name": "Critical customers",
                "risk_band": "critical",
                "level_ids": [
                    Command.create(
                        {
                            "name": "Early call",
                            "trigger_days": 3,
                            "channel": "email",
                            "mail_template_id": cls.first.mail_template_id.id,
                        }
                    )
                ],
            }
        )

    def _set_band(self, partner, band, segment=False):
        partner.with_company(self.company).write(
            {"dunning_risk_band": band, "dunning_segment": segment}
        )

    def test_critical_customer_gets_critical_policy(self):
        excluded = self._customer(
            "Private Person", "p@example.com", dunning_risk_excluded=True
        )
        for partner in self.customer | self.other_customer | excluded:
            self._invoice(partner, days(-5))
        self._set_band(self.customer, "critical")
        self._set_band(self.other_customer, "low")
        self._set_band(excluded, "critical")
        self._run()
        communications = self._communications()
        self.assertEqual(
            communications.partner_id,
            self.customer,
            "5 days overdue: only the critical policy acts",
        )
        self.assertEqual(communications.level_id, self.critical_policy.level_ids)

    def test_band_and_segment_rule_is_more_specific(self):
        segment_policy = self.critical_policy.copy(
            {"risk_segment": "chronic_late", "sequence": 99}
        )
        self._set_band(self.customer, "critical", "chronic_late")
        self._set_band(self.other_customer, "critical", "reliable")
        partners = (self.customer | self.other_customer).with_company(self.company)
        self.assertEqual(
            partners[0]._dunning_effective_policy(self.policy), segment_policy
        )
        self.assertEqual(
            partners[1]._dunning_effective_policy(self.policy), self.critical_policy
        )
        partners[1].dunning_policy_id = self.policy
        self.assertEqual(
            partners[1]._dunning_effective_policy(self.policy),
            self.policy,
            "own policy wins",
        )

    def test_basic_user_cannot_read_scores(self):
        user = new_test_user(self.env, login="risk_basic", groups="base.group_user")
        self._set_band(self.customer, "critical")
        partner = self.customer.with_user(user)
        self.assertEqual(partner.name, "Cascade Foods")
        for name in RISK_FIELDS + ("dunning_risk_excluded",):
            with self.assertRaises(AccessError):
                partner.read([name])
        accountant = new_test_user(
            self.env, login="risk_accountant", groups="account.group_account_invoice"
        )
        self.assertEqual(
            self._risk(self.customer.with_user(accountant))["dunning_risk_band"],
            "critical",
        )

    def test_invoice_scores_for_accounting_users_only(self):
        """Customers see their invoices on the portal, never how likely they are to pay
        them late."""
        portal = new_test_user(
            self.env, login="risk_portal", groups="base.group_portal"
        )
        accountant = new_test_user(
            self.env, login="risk_auditor", groups="account.group_account_readonly"
        )
        Move = self.env["account.move"]
        for name in INVOICE_RISK_FIELDS:
            with self.assertRaises(AccessError):
                Move.with_user(portal)._check_field_access(Move._fields[name], "read")
            Move.with_user(accountant)._check_field_access(Move._fields[name], "read")


@tagged("post_install", "-at_install")
class TestDunningRiskUi(HttpCase):
    """Dunning > Retrain Risk Model and Dunning > Risk Model Backtest, clicked in
    Chromium by the admin."""

    def test_retrain_and_backtest_from_the_menu(self):
        company = self.env.ref("base.main_company")
        reliable, late = self.env["res.partner"].create(
            [
                {"name": "Tour Reliable Payer", "is_company": True},
                {"name": "Tour Late Payer", "is_company": True},
            ]
        )
        # a year of paid invoices, dated from the day the browser runs
        company._dunning_demo_payment_history(
            {
                reliable.id: [-3, -1, 0, -2, -4, 0, -1, -3, 0, -2, -1, 0],
                late.id: [25, 31, 18, 40, 22, 35, 28, 19, 44, 30, 26, 33],
            }
        )
        post_overdue_invoice(self.env, late, 15, amount=900.0)
        late.with_company(company).dunning_risk_date = False
        self.start_tour(
            "/odoo", "dunning_risk_retrain_backtest", login="admin", timeout=300
        )
        scored = late.with_company(company)
        self.assertEqual(
            scored.dunning_risk_date,
            fields.Date.context_today(scored),
            "retrained by the tour",
        )
        self.assertGreater(scored.dunning_priority, 0)
        bands = ["low", "medium", "high", "critical"]
        self.assertLess(
            bands.index(reliable.with_company(company).dunning_risk_band),
            bands.index(scored.dunning_risk_band),
        )
