# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import Counter
from datetime import date, timedelta

import numpy as np

from odoo.tests import BaseCase, tagged

from odoo.addons.dunning_automation.analytics import bandit, experiment, forecast


@tagged("post_install", "-at_install")
class TestAnalyticsExperiment(BaseCase):
    """Assignment, uplift intervals on simulated populations with a known effect, the
    bandit's regret and the cash-in forecast, on plain data."""

    def test_assignment_deterministic_and_weighted(self):
        variants = [(1, 3), (2, 1)]
        arms = [
            experiment.assign("s3cret", 7, partner, "2026-01-01", 0.1, variants)
            for partner in range(20000)
        ]
        again = [
            experiment.assign("s3cret", 7, partner, "2026-01-01", 0.1, variants)
            for partner in range(20000)
        ]
        self.assertEqual(arms, again, "the same customer, level and period: same arm")
        counts = Counter(arms)
        self.assertAlmostEqual(counts[experiment.HOLDOUT] / 20000, 0.10, delta=0.01)
        self.assertAlmostEqual(counts[1] / (counts[1] + counts[2]), 0.75, delta=0.015)
        other_period = [
            experiment.assign("s3cret", 7, partner, "2026-04-01", 0.1, variants)
            for partner in range(20000)
        ]
        self.assertNotEqual(arms, other_period, "each period draws again")
        other_key = [
            experiment.assign("other", 7, partner, "2026-01-01", 0.1, variants)
            for partner in range(20000)
        ]
        self.assertNotEqual(arms, other_key, "without the secret, nobody can tell")
        self.assertIsNone(experiment.assign("s", 1, 1, "p", 0, []))

    def test_uplift_interval_covers_the_true_effect(self):
        """A simulated population where the reminder truly lifts the 14-day payment
        rate from 30 % to 45 % and the amount per customer by 120: the 95 % intervals
        cover the true effects in about 95 % of the draws."""
        rng = np.random.default_rng(11)
        covered_rate = covered_amount = 0
        draws = 300
        for _draw in range(draws):
            treated = rng.random(2000) < 0.45
            control = rng.random(400) < 0.30
            paid = experiment.proportion_difference(
                int(treated.sum()), len(treated), int(control.sum()), len(control)
            )
            covered_rate += paid.low <= 0.15 <= paid.high
            amount = experiment.mean_difference(
                list(rng.normal(520, 300, 2000)), list(rng.normal(400, 300, 400))
            )
            covered_amount += amount.low <= 120 <= amount.high
        self.assertGreater(covered_rate / draws, 0.9)
        self.assertLess(covered_rate / draws, 0.985)
        self.assertGreater(covered_amount / draws, 0.9)
        self.assertLess(covered_amount / draws, 0.985)

    def test_uplift_edge_cases(self):
        self.assertIsNone(experiment.proportion_difference(3, 10, 0, 0))
        self.assertIsNone(experiment.mean_difference([1.0], [2.0, 3.0]))
        everyone = experiment.proportion_difference(50, 50, 0, 50)
        self.assertTrue(everyone.significant)
        self.assertLessEqual(everyone.high, 1.0)

    def test_clearly_worse(self):
        self.assertTrue(experiment.clearly_worse(10, 100, 40, 100))
        self.assertFalse(experiment.clearly_worse(36, 100, 40, 100), "within noise")
        self.assertFalse(experiment.clearly_worse(0, 20, 20, 20), "too few messages")

    def test_bandit_finds_the_better_variant_per_segment(self):
        """One variant truly works better for reliable customers, the other for
        chronic late payers: Thompson sampling finds each and regrets far less than
        uniform assignment."""
        world = {
            "reliable": {"friendly": 0.60, "firm": 0.45},
            "chronic_late": {"friendly": 0.15, "firm": 0.30},
        }
        result = bandit.simulate(world, rounds=1500, seed=3)
        self.assertEqual(
            result["found"], {"reliable": "friendly", "chronic_late": "firm"}
        )
        # uniform loses 0.15 on every other message: about 112 per segment
        self.assertAlmostEqual(result["uniform"], 225, delta=40)
        self.assertLess(result["thompson"], result["uniform"] / 3)

    def test_bandit_recommendation_evidence(self):
        sampler = bandit.ThompsonSampler(["a", "b"], seed=1)
        sampler.observe("s", "a", True, count=40)
        sampler.observe("s", "a", False, count=60)
        sampler.observe("s", "b", True, count=10)
        sampler.observe("s", "b", False, count=90)
        best, prob_best, means = sampler.recommendation("s")
        self.assertEqual(best, "a")
        self.assertGreater(prob_best["a"], 0.99)
        self.assertAlmostEqual(means["a"], 41 / 102)
        # an unseen segment: no evidence, either arm
        self.assertAlmostEqual(sum(sampler.recommendation("new")[1].values()), 1.0)

    def test_forecast_weeks_and_promises(self):
        monday = date(2026, 3, 16)
        items = [
            forecast.OpenItem("EUR", 100, monday - timedelta(days=30)),  # late: now
            forecast.OpenItem("EUR", 50, monday, expected_date=monday + timedelta(8)),
            forecast.OpenItem(
                "USD",
                70,
                monday,
                expected_date=monday + timedelta(days=30),
                promise_date=monday + timedelta(days=2),
            ),
            forecast.OpenItem("USD", 9, monday + timedelta(days=200)),  # after
        ]
        result = forecast.forecast(items, monday + timedelta(days=1))
        self.assertEqual(result["EUR"][:3], [100, 50, 0])
        self.assertEqual(result["USD"][0], 70, "the promise overrides the model")
        self.assertEqual(sum(result["USD"]), 70)
        self.assertEqual(len(result["EUR"]), forecast.WEEKS)

    def test_backtest_beats_naive_for_late_payers(self):
        """Customers who pay 20 days late: the model that knows it errs less than
        the naive 'pays on its due date' forecast."""
        history = []
        start = date(2025, 1, 6)
        for i in range(200):
            issued = start + timedelta(days=i * 2)
            due = issued + timedelta(days=30)
            history.append(
                forecast.PaidItem(
                    "EUR", 100 + i % 7, issued, due, due + timedelta(days=20), 20.0
                )
            )
        cutoffs = [date(2025, 4, 7), date(2025, 6, 2), date(2025, 8, 4)]
        rows, errors = forecast.backtest(history, cutoffs)
        self.assertEqual(len(rows), 3 * forecast.WEEKS)
        self.assertLess(errors["model"], errors["naive"] / 2)
