# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import TODAY, DunningCommon, days

CUSTOMERS = 100


@tagged("post_install", "-at_install")
class TestDunningExperiment(DunningCommon, HttpCase):
    """A first reminder with a 10 % hold-out and two variants on 100 customers: the
    friendly variant's customers pay within three days, the firm variant's and the
    held-out ones do not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(
            "dunning_automation.experiment_secret", "test-secret"
        )
        template = cls.first.mail_template_id
        cls.first.write(
            {
                "holdout_percent": 10,
                "variant_ids": [
                    Command.create(
                        {"name": "Friendly", "mail_template_id": template.id}
                    ),
                    Command.create(
                        {"name": "Firm", "mail_template_id": template.copy().id}
                    ),
                ],
            }
        )
        cls.friendly, cls.firm = cls.first.variant_ids
        customers = cls.env["res.partner"].create(
            [
                {
                    "name": f"Customer {i}",
                    "email": f"c{i}@example.com",
                    "is_company": True,
                }
                for i in range(CUSTOMERS)
            ]
        )
        for customer in customers:
            cls._invoice(customer, days(-7), 100)
        with freeze_time(TODAY):
            cls.dunning_run = cls.env["dunning.run"].create(
                {"date": TODAY, "trigger": "manual", "company_ids": cls.company.ids}
            )
            cls.dunning_run._execute(commit=False)
        cls.communications = cls.env["dunning.communication"].search(
            [("run_id", "=", cls.dunning_run.id)]
        )
        paying = cls.communications.filtered(lambda c: c.variant_id == cls.friendly)
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paying.move_ids.ids
        ).create({"payment_date": days(3), "group_payment": False})._create_payments()

    def test_holdout_recorded_not_sent(self):
        held = self.communications.filtered(lambda c: c.arm == "holdout")
        sent = self.communications - held
        self.assertEqual(len(self.communications), CUSTOMERS)
        self.assertTrue(5 <= len(held) <= 15, len(held))
        self.assertEqual(set(held.mapped("state")), {"held_out"})
        self.assertFalse(held.mail_id, "nothing is sent to a held-out customer")
        self.assertTrue(
            all(held.mapped("hash")), "held out is in the sealed audit trail"
        )
        self.assertTrue(all(sent.mapped("mail_id")))
        self.assertEqual(set(sent.mapped("arm")), {"treatment"})
        self.assertEqual(
            sent.filtered(lambda c: c.variant_id == self.firm).mail_template_id,
            self.firm.mail_template_id,
            "a variant's reminder is written from its template",
        )
        # deterministic: the same customer, level and period get the same arm again
        for communication in self.communications[:20]:
            arm, variant = self.first._dunning_assign_arm(
                communication.partner_id.id, days(5)
            )
            self.assertEqual(
                (arm, variant), (communication.arm, communication.variant_id)
            )
        # the held-out invoices moved on to the level as if reminded
        self.assertEqual(held.move_ids.mapped("dunning_level_id"), self.first)

    def test_effectiveness_rows(self):
        Report = self.env["dunning.report.effectiveness"]
        friendly = Report.search([("variant_id", "=", self.friendly.id)])
        self.assertTrue(friendly)
        self.assertEqual(set(friendly.mapped("paid_7")), {1.0})
        self.assertEqual(set(friendly.mapped("recovered_7")), {100.0})
        self.assertEqual(set(friendly.mapped("days_to_pay")), {3.0})
        firm = Report.search([("variant_id", "=", self.firm.id)])
        self.assertEqual(set(firm.mapped("paid_30")), {0.0})
        self.assertEqual(set(firm.mapped("days_to_pay")), {0.0}, "unpaid: empty")
        groups = dict(
            Report._read_group(
                [("level_id", "=", self.first.id)],
                groupby=["arm"],
                aggregates=["paid_14:avg"],
            )
        )
        self.assertEqual(groups["holdout"], 0.0)
        self.assertAlmostEqual(
            groups["treatment"], len(friendly) / (len(friendly) + len(firm))
        )

    def test_level_says_what_it_earned(self):
        paid, recovered, rows = self.first._experiment_uplift()
        sent = len(rows["treatment"])
        rate = sum(p for p, _r in rows["treatment"]) / sent
        self.assertAlmostEqual(paid.estimate, rate)
        self.assertTrue(paid.low <= rate <= paid.high)
        self.assertTrue(paid.significant)
        self.assertAlmostEqual(recovered.estimate, rate * 100)
        summary = self.first.experiment_summary
        margin = round(paid.margin * 100)
        self.assertIn(
            f"First reminder brought {round(rate * 100)} % ± {margin} % "
            "more customers to pay within 14 days than no reminder",
            summary,
        )
        self.assertIn("Recovered within 14 days per customer", summary)

    def test_recommender(self):
        """The friendly variant works for these (unscored) customers: the level
        recommends it with the evidence, and assigns new reminders by it."""
        self.assertIn("Friendly (", self.first.recommendation)
        self.assertIn("likely the best", self.first.recommendation)
        self.first.recommender_enabled = True
        next_quarter = days(120)
        arms = [
            self.first._dunning_assign_arm(partner.id, next_quarter)
            for partner in self.communications.partner_id
        ]
        treated = [variant for arm, variant in arms if arm == "treatment"]
        held = [arm for arm, _variant in arms if arm == "holdout"]
        self.assertTrue(held, "the hold-out is kept")
        friendly = sum(variant == self.friendly for variant in treated)
        self.assertGreater(friendly / len(treated), 0.9)

    def test_clearly_worse_variant_stopped_from_the_form(self):
        manager = new_test_user(
            self.env,
            "experiment_manager",
            groups="account.group_account_manager",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        self.authenticate(manager.login, manager.login)
        result = self.make_jsonrpc_request(
            "/web/dataset/call_button/dunning.level/action_evaluate_experiment",
            {
                "model": "dunning.level",
                "method": "action_evaluate_experiment",
                "args": [self.first.ids],
                "kwargs": {"context": {"lang": "en_US"}},
            },
        )
        self.assertEqual(result["params"]["message"], "Variants stopped: Firm.")
        self.assertEqual(self.firm.state, "stopped")
        self.assertIn(
            "fewer customers paid within 14 days than with Friendly",
            self.firm.stop_reason,
        )
        self.assertEqual(self.friendly.state, "running")
        # new reminders only go to the running variant
        self.assertEqual(
            self.first._dunning_assign_arm(
                self.communications[0].partner_id.id, days(1)
            )[1]
            or self.friendly,
            self.friendly,
        )
