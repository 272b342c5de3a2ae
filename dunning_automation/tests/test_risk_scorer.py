# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import io
import json
import os
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from odoo.tests import BaseCase, tagged

from odoo.addons.dunning_automation.risk import (
    BAND_NAMES,
    PREDICTION_COLUMNS,
    SEGMENT_CODES,
    LatePaymentModel,
    Reason,
    backtest,
    known_outcomes,
    make_synthetic_history,
    validate_frame,
)
from odoo.addons.dunning_automation.risk import reasons as R
from odoo.addons.dunning_automation.risk.__main__ import main as risk_cli
from odoo.addons.dunning_automation.risk.backtest import _top_late_share
from odoo.addons.dunning_automation.risk.features import build_features

AS_OF = pd.Timestamp("2024-07-01")
SEGMENTS = set(SEGMENT_CODES)


class RiskCase(BaseCase):
    """Single OpenMP thread: busy-waiting OpenMP threads crawl when the test
    server shares its cores with other processes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._thread_limits = threadpool_limits(limits=1, user_api="openmp")
        cls.addClassCleanup(cls._thread_limits.restore_original_limits)


def _planted_delays(seed=5):
    """40 customers, each paying a fixed 8 to 50 days after the invoice date (+-2).

    A quarter of the invoices are 4x the customer's usual amount and paid 20
    days later.  ``expected_days`` is the planted delay of each invoice.
    """
    rng = np.random.default_rng(seed)
    partner = np.repeat(np.arange(40), 36)
    invoice_date = pd.Timestamp("2023-01-01") + pd.to_timedelta(
        rng.integers(0, 700, partner.size), unit="D"
    )
    big = rng.random(partner.size) < 0.25
    expected = rng.choice([8, 18, 26, 38, 50], size=40)[partner] + 20 * big
    paid_after = expected + rng.integers(-2, 3, partner.size)
    return pd.DataFrame(
        {
            "invoice_id": [f"I{i:05d}" for i in range(partner.size)],
            "partner_id": [f"C{p:03d}" for p in partner],
            "invoice_date": invoice_date,
            "due_date": invoice_date + pd.Timedelta(days=30),
            "amount": np.where(big, 4000.0, 1000.0)
            * rng.uniform(0.9, 1.1, partner.size),
            "currency": "EUR",
            "paid_date": invoice_date + pd.to_timedelta(paid_after, unit="D"),
            "expected_days": expected,
        }
    )


def _assert_no_nan(case, pred):
    numeric = pred[
        ["late_probability", "expected_days_late", "days_overdue", "risk_score"]
    ]
    case.assertFalse(numeric.isna().any().any())
    case.assertFalse(pred["expected_pay_date"].isna().any())
    case.assertTrue(
        ((pred["late_probability"] >= 0) & (pred["late_probability"] <= 1)).all()
    )
    case.assertTrue((pred["expected_days_late"] >= 0).all())


@tagged("post_install", "-at_install", "dunning_risk")
class TestLatePaymentModel(RiskCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.frame, cls.truth = make_synthetic_history(
            300, 8000, seed=1, return_truth=True
        )
        cls.model = LatePaymentModel().fit(cls.frame, AS_OF)
        cls.pred = cls.model.predict(cls.frame, AS_OF)
        cls.partners = cls.model.score_partners(cls.frame, AS_OF)

    def test_predict_output(self):
        self.assertIsNone(self.model.fallback_reason_)
        validation = self.model.validation_
        self.assertLess(
            validation.at["model", "brier"], validation.at["baseline", "brier"]
        )
        self.assertLessEqual(
            validation.at["model", "pay_date_mae_days"],
            validation.at["baseline", "pay_date_mae_days"],
        )
        self.assertEqual(list(self.pred.columns), list(PREDICTION_COLUMNS))
        self.assertEqual(self.pred.index.name, "invoice_id")
        self.assertTrue(self.pred.index.is_unique)
        _assert_no_nan(self, self.pred)
        self.assertTrue((self.pred["expected_pay_date"] >= AS_OF).all())
        self.assertTrue(self.pred["reasons"].map(lambda r: 1 <= len(r) <= 3).all())
        overdue = self.pred[self.pred["days_overdue"] > 0]
        self.assertTrue((overdue["late_probability"] == 1).all())
        self.assertTrue(
            (overdue["behaviour_probability"] < 1).all(),
            "what the behaviour says, before that rule",
        )
        self.assertTrue(
            overdue.apply(
                lambda r: (
                    r["reasons"][0]
                    == (R.REASON_DAYS_OVERDUE, {"days": r["days_overdue"]})
                ),
                axis=1,
            ).all()
        )
        self.assertTrue(set(self.pred["risk_band"]) <= set(BAND_NAMES))

    def test_reasons_are_codes(self):
        """Reasons leave the package as codes with JSON parameters: the caller words
        them."""
        codes = {
            value
            for name, value in vars(R).items()
            if name.startswith("REASON_") and isinstance(value, str)
        }
        for reasons in [*self.pred["reasons"], *self.partners["reasons"]]:
            for reason in reasons:
                self.assertIsInstance(reason, Reason)
                self.assertIn(reason.code, codes)
                self.assertEqual(
                    json.loads(json.dumps(reason)), [reason.code, reason.params]
                )

    def test_recovers_planted_effect(self):
        scored = self.partners.join(self.truth.set_index("partner_id"))
        by_kind = scored.groupby("kind")["late_probability"].mean()
        self.assertGreater(by_kind["chronic late"], by_kind["reliable"] + 0.4)
        # held out: invoices issued in the next quarter, scored with what was known on
        # AS_OF
        outcome = known_outcomes(
            validate_frame(self.frame).clean, pd.Timestamp("2025-01-01")
        ).set_index("invoice_id")
        ids = self._upcoming(self.frame)
        ids = ids[ids.isin(outcome.index)]
        pred = self.model.predict(self.frame, AS_OF, invoice_ids=ids, reasons=False)
        _assert_no_nan(self, pred)
        self.assertGreater(
            roc_auc_score(outcome.loc[pred.index, "late"], pred["late_probability"]),
            0.78,
        )

    def test_no_look_ahead(self):
        changed = self.frame.copy()
        after = changed["paid_date"] >= AS_OF
        rng = np.random.default_rng(7)
        changed.loc[after, "paid_date"] += pd.to_timedelta(
            rng.integers(-5, 60, after.sum()), unit="D"
        )
        changed.loc[after, "paid_date"] = changed.loc[after, "paid_date"].clip(
            lower=AS_OF
        )
        changed.loc[after & (rng.random(len(changed)) < 0.3), "paid_date"] = pd.NaT
        changed.loc[changed["disputed_date"] >= AS_OF, "disputed_date"] = pd.NaT
        extra = make_synthetic_history(
            50, 500, seed=9, start="2024-07-01", end="2024-12-31"
        )
        extra["invoice_id"] = "NEW" + extra["invoice_id"]
        changed = pd.concat([changed, extra], ignore_index=True)
        self.assertGreater(len(changed), len(self.frame))

        model = LatePaymentModel().fit(changed, AS_OF)
        pd.testing.assert_frame_equal(model.predict(changed, AS_OF), self.pred)
        pd.testing.assert_frame_equal(
            model.score_partners(changed, AS_OF), self.partners
        )
        pd.testing.assert_frame_equal(model.bands_, self.model.bands_)

    def _upcoming(self, frame, months=3):
        """Ids of the invoices issued in the ``months`` after AS_OF."""
        issued = frame["invoice_date"]
        return frame.loc[
            (issued >= AS_OF) & (issued < AS_OF + pd.DateOffset(months=months)),
            "invoice_id",
        ]

    def test_no_look_ahead_at_issue(self):
        """Scored on its invoice date, an invoice sees the history up to that day and
        nothing after."""
        cutoff = AS_OF + pd.Timedelta(days=45)
        ids = self._upcoming(self.frame)
        ids = ids[self.frame.loc[ids.index, "invoice_date"] < cutoff]
        pred = self.model.predict(self.frame, AS_OF, invoice_ids=ids, at_issue=True)
        _assert_no_nan(self, pred)
        self.assertTrue(
            (
                pred["expected_pay_date"]
                >= self.frame.set_index("invoice_id").loc[pred.index, "invoice_date"]
            ).all()
        )

        def changed_from(day):
            """Prediction once everything from ``day`` on is rewritten: other invoices
            gone, payments undone, disputes a day later."""
            frame = self.frame
            changed = frame[
                (frame["invoice_date"] < day) | frame["invoice_id"].isin(ids)
            ].copy()
            changed.loc[changed["paid_date"] >= day, "paid_date"] = pd.NaT
            changed.loc[changed["disputed_date"] >= day, "disputed_date"] += (
                pd.Timedelta(days=1)
            )
            return self.model.predict(changed, AS_OF, invoice_ids=ids, at_issue=True)

        pd.testing.assert_frame_equal(changed_from(cutoff), pred)
        self.assertFalse(
            changed_from(AS_OF).equals(pred), "what happened since AS_OF is used"
        )

    def test_dispute_known_on_its_day(self):
        """A dispute dated on the invoice date is known when the invoice is scored that
        day."""
        on_issue = self.frame.assign(
            disputed_date=self.frame["invoice_date"].where(
                self.frame["disputed_date"].notna()
            )
        )
        next_day = on_issue.assign(
            disputed_date=on_issue["disputed_date"] + pd.Timedelta(days=1)
        )
        model = LatePaymentModel().fit(on_issue, AS_OF)
        ids = self._upcoming(on_issue)
        known = model.predict(on_issue, AS_OF, invoice_ids=ids, at_issue=True)
        unknown = model.predict(
            next_day, AS_OF, invoice_ids=ids, at_issue=True, reasons=False
        )
        disputed = (
            on_issue.set_index("invoice_id")
            .loc[known.index, "disputed_date"]
            .notna()
            .to_numpy()
        )
        self.assertGreater(disputed.sum(), 10)
        gain = (known["late_probability"] - unknown["late_probability"])[disputed]
        self.assertGreater(gain.mean(), 0.1)
        says_disputed = (
            known["reasons"]
            .map(lambda reasons: Reason(R.REASON_DISPUTED) in reasons)
            .to_numpy()
        )
        self.assertTrue(says_disputed[disputed].any())
        self.assertFalse(says_disputed[~disputed].any())

    def test_partner_band_is_behaviour_not_overdue(self):
        """An overdue invoice does not make a customer certain to pay late: the band
        follows how it pays."""
        kinds = self.partners.join(self.truth.set_index("partner_id"))
        reliable_overdue = kinds[
            (kinds["kind"] == "reliable") & (kinds["n_overdue"] > 0)
        ]
        self.assertGreaterEqual(
            len(reliable_overdue),
            5,
            "the synthetic history has reliable customers with overdue invoices",
        )
        self.assertTrue((self.partners["days_overdue"] > 0).any())
        self.assertLess(reliable_overdue["late_probability"].max(), 0.75)
        self.assertFalse((reliable_overdue["risk_band"] == "critical").any())
        bands = list(BAND_NAMES)
        rank = kinds["risk_band"].map(bands.index)
        self.assertLess(
            rank[kinds["kind"] == "reliable"].mean() + 1.5,
            rank[kinds["kind"] == "chronic late"].mean(),
        )
        self.assertLess(
            (self.partners["risk_band"] == "critical").mean(),
            0.5,
            "bands separate the customers",
        )
        # the next invoice's reasons: how the customer pays, never how overdue it is
        # today
        self.assertFalse(
            self.partners["reasons"]
            .map(lambda reasons: any(r.code == R.REASON_DAYS_OVERDUE for r in reasons))
            .any()
        )

    def test_bands_monotone(self):
        bands = self.model.bands_
        self.assertTrue(self.model.bands_validated_)
        self.assertGreaterEqual(len(bands), 3)
        self.assertTrue((np.diff(bands["late_rate"].to_numpy()) > 0).all(), bands)
        self.assertEqual(bands["min_score"].iloc[0], 0)
        self.assertEqual(bands["max_score"].iloc[-1], 100)
        self.assertEqual(
            list(self.model.band_of([0, 100])),
            [bands["band"].iloc[0], bands["band"].iloc[-1]],
        )

    def test_partner_scores_and_segments(self):
        p = self.partners
        self.assertTrue(p["risk_score"].between(0, 100).all())
        self.assertTrue(pd.api.types.is_integer_dtype(p["risk_score"]))
        self.assertTrue(set(p["segment"]) <= SEGMENTS)
        self.assertTrue(set(self.model.segments_["segment"]) <= SEGMENTS)
        self.assertTrue(
            (p.loc[p["n_paid_invoices"] < 3, "segment"] == "new_customer").all()
        )
        kinds = p.join(self.truth.set_index("partner_id"))
        established = kinds[kinds["n_paid_invoices"] >= 3]
        chronic = established.loc[established["kind"] == "chronic late", "segment"]
        reliable = established.loc[established["kind"] == "reliable", "segment"]
        self.assertGreater((chronic == "chronic_late").mean(), 0.7)
        self.assertGreater((reliable == "reliable").mean(), 0.6)
        self.assertTrue(p["reasons"].map(lambda r: 1 <= len(r) <= 3).all())
        reused = self.model.score_partners(self.frame, AS_OF, invoice_scores=self.pred)
        pd.testing.assert_frame_equal(
            reused, p, "the open invoices' scores reused, not computed again"
        )
        for stale in (
            self.pred.iloc[1:],
            self.model.predict(self.frame, AS_OF, reasons=False),
        ):
            with self.assertRaises(ValueError):
                self.model.score_partners(self.frame, AS_OF, invoice_scores=stale)


class KnowNothing(LatePaymentModel):
    """A model whose classifier only knows the portfolio's late rate."""

    def _pipeline(self, cls, x_train, **params):
        if cls is HistGradientBoostingClassifier:
            return DummyClassifier(strategy="prior")
        return super()._pipeline(cls, x_train, **params)


@tagged("post_install", "-at_install", "dunning_risk")
class TestBaselineGuard(RiskCase):
    """The model is checked against each customer's own history before it is used."""

    def test_pay_date_recovers_planted_delay(self):
        frame = _planted_delays()
        model = LatePaymentModel().fit(frame, AS_OF)
        self.assertIsNone(model.fallback_reason_)
        self.assertGreater(model.pay_date_model_weight_, 0)
        upcoming = frame[frame["invoice_date"] >= AS_OF].set_index("invoice_id")
        pred = model.predict(frame, AS_OF, invoice_ids=upcoming.index, reasons=False)
        days = (
            pred["expected_pay_date"] - upcoming.loc[pred.index, "invoice_date"]
        ).dt.days
        error = (days - upcoming.loc[pred.index, "expected_days"]).abs()
        self.assertLessEqual(error.median(), 2, "the planted delay, to the noise")
        self.assertLess(error.mean(), 3)
        late = pred["expected_days_late"] > 0
        self.assertTrue((upcoming.loc[pred.index[late], "expected_days"] > 28).all())

    def test_model_that_adds_nothing_is_dropped(self):
        """A classifier that only knows the portfolio rate: the customers' own history
        decides."""
        frame = make_synthetic_history(100, 3000, seed=4)
        model = KnowNothing().fit(frame, AS_OF)
        self.assertIn(
            model.fallback_reason_.code,
            (R.FALLBACK_MODEL_ADDS_NOTHING, R.FALLBACK_BASELINE_BETTER),
        )
        self.assertIsNone(model.classifier_)
        self.assertEqual(model.pay_date_model_weight_, 0.0)
        pred = model.predict(frame, AS_OF)
        _assert_no_nan(self, pred)
        by_customer = (
            pred[pred["days_overdue"] == 0]
            .groupby("partner_id")["late_probability"]
            .first()
        )
        self.assertGreater(
            by_customer.std(),
            0.1,
            "each customer's own history, not one portfolio rate",
        )

    def test_backtest_not_worse_than_baseline(self):
        frame = make_synthetic_history(60, 1500, seed=0)
        summary = backtest(frame, freq="2MS").summary
        model, baseline = summary.loc["model"], summary.loc["baseline"]
        self.assertGreaterEqual(model["auc"], baseline["auc"])
        self.assertLessEqual(model["brier"], baseline["brier"])
        self.assertLessEqual(model["log_loss"], baseline["log_loss"])
        self.assertLessEqual(model["pay_date_mae_days"], baseline["pay_date_mae_days"])


@tagged("post_install", "-at_install", "dunning_risk")
class TestRobustness(RiskCase):
    def setUp(self):
        super().setUp()
        self.frame = make_synthetic_history(40, 1500, seed=3)

    def _fit_predict(self, frame, as_of):
        model = LatePaymentModel().fit(frame, as_of)
        pred = model.predict(frame, as_of)
        _assert_no_nan(self, pred)
        partners = model.score_partners(frame, as_of)
        self.assertFalse(
            partners[["risk_score", "late_probability", "expected_days_late"]]
            .isna()
            .any()
            .any()
        )
        return model, pred

    def test_few_labelled_invoices(self):
        frame = self.frame.iloc[:60].copy()
        as_of = frame["invoice_date"].max()
        model, pred = self._fit_predict(frame, as_of)
        self.assertLess(model.n_labelled_, 30)
        self.assertEqual(model.fallback_reason_.code, R.FALLBACK_INSUFFICIENT_DATA)
        self.assertTrue(len(pred))

    def test_no_paid_invoice(self):
        frame = self.frame.iloc[:50].assign(paid_date=pd.NaT)
        model, pred = self._fit_predict(
            frame, frame["invoice_date"].min() + pd.Timedelta(days=10)
        )
        self.assertEqual(
            model.fallback_reason_,
            (
                R.FALLBACK_INSUFFICIENT_DATA,
                {"n_labelled": 0, "min_labelled": 30, "censor_days": 15},
            ),
        )
        self.assertTrue(np.allclose(pred["late_probability"], 0.5))

    def test_no_history_before_as_of(self):
        """Every invoice issued after the training date: a prior, not a crash."""
        frame = self.frame.iloc[:50]
        model = LatePaymentModel().fit(
            frame, frame["invoice_date"].min() - pd.Timedelta(days=1)
        )
        self.assertEqual(
            model.fallback_reason_,
            (
                R.FALLBACK_INSUFFICIENT_DATA,
                {"n_labelled": 0, "min_labelled": 30, "censor_days": 15},
            ),
        )
        as_of = frame["invoice_date"].max()
        _assert_no_nan(self, model.predict(frame, as_of))
        self.assertFalse(model.score_partners(frame, as_of)["risk_score"].isna().any())

    def test_single_class(self):
        on_time = self.frame.assign(
            paid_date=self.frame["due_date"] - pd.Timedelta(days=1)
        )
        model, pred = self._fit_predict(on_time, AS_OF)
        self.assertEqual(model.fallback_reason_, Reason(R.FALLBACK_NO_LATE))
        self.assertLess(pred["late_probability"].max(), 0.2)
        always_late = self.frame.assign(
            paid_date=self.frame["due_date"] + pd.Timedelta(days=9)
        )
        model, pred = self._fit_predict(always_late, AS_OF)
        self.assertEqual(model.fallback_reason_, Reason(R.FALLBACK_ALL_LATE))
        self.assertGreater(pred["late_probability"].min(), 0.8)

    def test_no_customer_history(self):
        """One invoice per customer: no history feature has a value; nothing is open at
        the end."""
        first = self.frame.drop_duplicates("partner_id")
        frame = pd.concat(
            [
                first.assign(
                    partner_id=first["partner_id"] + c,
                    invoice_id=first["invoice_id"] + c,
                )
                for c in "abc"
            ]
        )
        model, pred = self._fit_predict(frame, frame["invoice_date"].max())
        self.assertIsNone(model.fallback_reason_)
        self.assertTrue(pred.empty)
        _, pred = self._fit_predict(
            frame, frame["invoice_date"].sort_values().iloc[100]
        )
        self.assertTrue(len(pred))

    def test_single_customer(self):
        frame = self.frame.assign(partner_id="P1")
        model, pred = self._fit_predict(frame, AS_OF)
        self.assertEqual(model.fallback_reason_, Reason(R.FALLBACK_SINGLE_CUSTOMER))
        self.assertEqual(pred["partner_id"].unique().tolist(), ["P1"])

    def test_nan_inputs(self):
        frame = self.frame.copy()
        frame.loc[::7, "payment_term_days"] = np.nan
        frame.loc[::11, "country"] = np.nan
        frame.loc[::13, "amount"] = np.nan
        frame = frame.drop(columns="disputed_date")
        model, pred = self._fit_predict(frame, AS_OF)
        self.assertEqual(len(model.rejected_), len(frame.iloc[::13]))
        self.assertTrue((model.rejected_["reason"] == "missing amount").all())

    def test_bad_rows_reported(self):
        frame = self.frame.copy().astype({"invoice_date": object, "amount": object})
        frame.loc[0, "due_date"] = frame.loc[0, "invoice_date"] - pd.Timedelta(days=3)
        frame.loc[1, "amount"] = -10.0
        frame.loc[2, "amount"] = np.inf
        frame.loc[3, "invoice_date"] = "31/31/2023"
        frame.loc[4, "amount"] = "abc"
        frame.loc[5, "invoice_id"] = None
        frame.loc[6, "invoice_id"] = frame.loc[7, "invoice_id"]
        report = validate_frame(frame)
        reasons = dict(
            zip(report.rejected["row"], report.rejected["reason"], strict=True)
        )
        self.assertEqual(reasons[0], "due_date before invoice_date")
        self.assertEqual(reasons[1], "negative amount")
        self.assertEqual(reasons[2], "non-finite amount")
        self.assertEqual(reasons[3], "unparseable invoice_date")
        self.assertEqual(reasons[4], "non-numeric amount")
        self.assertEqual(reasons[5], "missing invoice_id")
        self.assertEqual(reasons[7], "duplicate invoice_id")
        self.assertEqual(len(report.rejected), 7)
        self.assertEqual(len(report.clean), len(frame) - 7)
        self.assertIn(
            self.frame.loc[2, "invoice_id"], report.rejected["invoice_id"].tolist()
        )
        self.assertEqual(len(report.issues), 7)
        with self.assertLogs(
            "odoo.addons.dunning_automation.risk.features", level="WARNING"
        ):
            model = LatePaymentModel().fit(frame, AS_OF)
        self.assertEqual(
            set(model.rejected_["invoice_id"].dropna()),
            set(report.rejected["invoice_id"].dropna()),
        )
        _assert_no_nan(self, model.predict(frame, AS_OF))

    def test_missing_required_column(self):
        with self.assertRaises(ValueError):
            validate_frame(self.frame.drop(columns="due_date"))


@tagged("post_install", "-at_install", "dunning_risk")
class TestBacktest(RiskCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.frame = make_synthetic_history(
            200, 5000, seed=2, start="2023-01-01", end="2024-06-30"
        )
        cls.result = backtest(cls.frame, start="2023-09-01", freq="3MS")

    def test_metrics_model_vs_baseline(self):
        summary = self.result.summary
        self.assertEqual(list(summary.index), ["model", "baseline"])
        for col in (
            "auc",
            "brier",
            "log_loss",
            "pay_date_mae_days",
            "late_rate_low",
            "n_low",
            "top_20_late_share",
        ):
            self.assertIn(col, summary.columns)
        self.assertFalse(
            summary[["auc", "brier", "log_loss", "pay_date_mae_days"]]
            .isna()
            .any()
            .any()
        )
        self.assertGreater(len(self.result.folds), 2)
        self.assertIn("baseline_auc", self.result.folds.columns)
        self.assertLess(summary.loc["model", "brier"], summary.loc["baseline", "brier"])
        self.assertLess(
            summary.loc["model", "log_loss"], summary.loc["baseline", "log_loss"]
        )
        self.assertGreater(summary.loc["model", "auc"], summary.loc["baseline", "auc"])
        self.assertGreater(summary.loc["model", "auc"], 0.8)
        self.assertGreaterEqual(
            summary.loc["model", "top_20_late_share"],
            summary.loc["baseline", "top_20_late_share"],
        )
        self.assertGreater(
            summary.loc["model", "top_20_late_share"],
            self.result.predictions["late"].mean(),
        )
        rates = (
            summary.loc["model", [f"late_rate_{b}" for b in BAND_NAMES]]
            .dropna()
            .to_numpy(dtype=float)
        )
        self.assertTrue((np.diff(rates) > 0).all())

    def test_default_start_on_a_short_history(self):
        """Without a start, a history too short for 300 known outcomes starts at half of
        those it has."""
        short = make_synthetic_history(
            10, 240, seed=5, start="2023-01-01", end="2023-12-31"
        )
        with self.assertRaises(ValueError):
            backtest(short, min_labelled=300)
        result = backtest(short, freq="2MS")
        self.assertEqual(list(result.summary.index), ["model", "baseline"])
        self.assertGreater(result.summary.at["model", "n_invoices"], 0)

    def test_cli(self):
        small = make_synthetic_history(
            60, 1000, seed=11, start="2023-01-01", end="2023-12-31"
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "invoices.csv")
            small.to_csv(path, index=False)
            out = io.StringIO()
            with redirect_stdout(out):
                self.assertEqual(
                    risk_cli(
                        [
                            "backtest",
                            "--csv",
                            path,
                            "--start",
                            "2023-07-01",
                            "--freq",
                            "3MS",
                        ]
                    ),
                    0,
                )
            self.assertIn("model", out.getvalue())
            self.assertIn("baseline", out.getvalue())
            out = io.StringIO()
            with redirect_stdout(out):
                self.assertEqual(
                    risk_cli(
                        ["backtest", "--csv", path, "--start", "2023-10-01", "--json"]
                    ),
                    0,
                )
            data = json.loads(out.getvalue())
            self.assertEqual(
                [row["method"] for row in data["summary"]], ["model", "baseline"]
            )
            self.assertTrue(data["folds"])
            # the command itself, in a fresh interpreter with no Odoo server around
            command = [
                sys.executable,
                "-m",
                "odoo.addons.dunning_automation.risk",
                "backtest",
                "--csv",
                path,
            ]
            done = subprocess.run(
                [*command, "--start", "2023-10-01", "--freq", "3MS"],
                capture_output=True,
                text=True,
                timeout=300,
                cwd=tmp,
                env={**os.environ, "OMP_NUM_THREADS": "1"},
            )
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn("Late-payment backtest: model vs baseline", done.stdout)


@tagged("post_install", "-at_install", "dunning_risk")
class TestCensoringAndResolvedHistory(RiskCase):
    """What is known on the scoring day: past-due open invoices are late, recently
    due ones are kept out of training by their due date only."""

    def _frame(self):
        # customer C: two invoices paid on time, two past due and still open on
        # 2024-03-01; all paid late afterwards
        issued = pd.to_datetime(
            ["2023-10-01", "2023-11-01", "2024-01-01", "2024-01-10"]
        )
        return validate_frame(
            pd.DataFrame(
                {
                    "invoice_id": ["A", "B", "C", "D"],
                    "partner_id": "C",
                    "invoice_date": issued,
                    "due_date": issued + pd.Timedelta(days=30),
                    "amount": 100.0,
                    "currency": "EUR",
                    "paid_date": pd.to_datetime(
                        ["2023-10-30", "2023-11-29", "2024-04-01", "2024-04-01"]
                    ),
                }
            )
        ).clean

    def test_resolved_late_rate_counts_past_due_open_invoices(self):
        clean = self._frame()
        as_of = pd.Timestamp("2024-03-01")
        row = clean.iloc[[0]].assign(invoice_id="NEXT", invoice_date=as_of)
        x = build_features(clean, row, as_of).iloc[0]
        self.assertEqual(x["hist_late_share"], 0.0, "paid ones: on time")
        self.assertEqual(x["overdue_count"], 2)
        self.assertEqual(x["known_late_share"], 0.5, "2 of 4 known late that day")
        # what happens after the scoring day changes nothing
        later = clean.copy()
        later.loc[2:, "paid_date"] = pd.Timestamp("2024-03-05")
        pd.testing.assert_series_equal(build_features(later, row, as_of).iloc[0], x)

    def test_censoring_cuts_on_the_due_date_not_the_outcome(self):
        """On an out-of-time split: the labels kept at the training date are the
        final outcomes of those invoices; keeping only what was paid (dropping
        the open ones) would show a late rate below the one that followed."""
        frame = validate_frame(make_synthetic_history(80, 3000, seed=7)).clean
        as_of = pd.Timestamp("2024-07-01")
        final = known_outcomes(frame, frame["paid_date"].max() + pd.Timedelta(days=1))
        final = final.set_index("invoice_id")["late"]
        for censor_days in (0, 15):
            kept = known_outcomes(frame, as_of, censor_days).set_index("invoice_id")
            self.assertTrue(
                (kept["due_date"] < as_of - pd.Timedelta(days=censor_days)).all()
            )
            pd.testing.assert_series_equal(
                kept["late"], final.loc[kept.index], check_names=False
            )
        recent = frame[
            (frame["due_date"] >= as_of - pd.Timedelta(days=60))
            & (frame["due_date"] < as_of)
        ]
        paid_only = recent[recent["paid_date"] < as_of]
        paid_only_rate = (paid_only["paid_date"] > paid_only["due_date"]).mean()
        self.assertLess(paid_only_rate, final.loc[recent["invoice_id"]].mean() - 0.05)
        excluded = known_outcomes(frame, as_of).index.difference(
            known_outcomes(frame, as_of, 15).index
        )
        self.assertTrue(len(excluded), "the last 15 days of due dates are left out")
        model = LatePaymentModel().fit(frame, as_of)
        self.assertEqual(
            model.n_labelled_,
            len(known_outcomes(frame[frame["invoice_date"] < as_of], as_of, 15)),
        )

    def test_top_scored_late_share(self):
        y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
        proba = np.array([0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.1, 0.1, 0.1, 0.05])
        self.assertEqual(_top_late_share(y, proba), 0.5, "the top 2 of 10")
        self.assertTrue(np.isnan(_top_late_share(y[:0], proba[:0])))
