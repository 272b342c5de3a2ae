# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Late-payment model: invoice probabilities and pay dates, partner behaviour scores."""

import logging

import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, TimeSeriesSplit, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from . import reasons as R
from .bands import fit_bands
from .features import (
    CENSOR_DAYS,
    NUMERIC_FEATURES,
    build_features,
    known_outcomes,
    validate_frame,
)
from .segments import assign_segments

_logger = logging.getLogger(__name__)

PROB_FLOOR = 0.001
MAX_DAYS_LATE = 180.0
N_TIME_SPLITS = 3
_PAY_DATE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
_IMPORTANCE_SAMPLE = 1500

PREDICTION_COLUMNS = (
    "partner_id",
    "late_probability",
    "behaviour_probability",
    "expected_days_late",
    "expected_pay_date",
    "days_overdue",
    "risk_score",
    "risk_band",
    "reasons",
)


def _day(value):
    """Normalise a date-like value to a naive midnight timestamp."""
    ts = pd.Timestamp(value)
    return (ts.tz_convert(None) if ts.tz is not None else ts).normalize()


class LatePaymentModel:
    """Calibrated late-payment classifier plus days-to-payment regressor.

    ``fit(frame, as_of)`` learns from what was known on ``as_of`` only;
    ``predict`` scores invoices, ``score_partners`` scores customers.  The
    models are checked on later labelled invoices against the prior (each
    customer's own smoothed late rate and median days to payment), blended
    with it, and dropped when the prior does as well.  With too little or
    degenerate data, or when the prior wins, the model falls back to the prior
    and says why in ``fallback_reason_``.  Reasons, bands and segments are
    codes with parameters (:mod:`.reasons`, :mod:`.bands`, :mod:`.segments`).

    Fitted attributes: ``as_of_``, ``fallback_reason_`` (a :class:`~.reasons.Reason`
    with a ``FALLBACK_*`` code; None when the scikit-learn models are used),
    ``n_labelled_``, ``base_rate_``, ``base_settle_days_`` (portfolio median days from
    invoice to payment), ``classifier_`` and ``regressor_`` (gradient boosting
    pipelines), ``calibrator_`` (logistic regression on the logits of classifier and
    prior and on the customer's mean days late; without the classifier when it added
    nothing, None when the raw prior is used), ``pay_date_model_weight_`` (share of the
    regressor in the pay date, the rest is the customer's median delay), ``validation_``
    (model vs prior on the out-of-time predictions: AUC, Brier, pay-date MAE; None when
    not checked), ``bands_`` (table of the fitted bands, see :func:`~.bands.fit_bands`),
    ``rejected_`` (rows refused by validation in the last frame given to
    fit/predict/score_partners), ``feature_importances_`` (permutation importance,
    computed lazily) and, after ``score_partners``, ``segments_``.
    """

    def __init__(
        self,
        min_labelled=30,
        min_per_class=5,
        prior_strength=5.0,
        min_band_size=20,
        max_iter=300,
        n_segments=4,
        censor_days=CENSOR_DAYS,
        random_state=0,
    ):
        self.min_labelled = min_labelled
        self.min_per_class = min_per_class
        self.prior_strength = prior_strength
        self.min_band_size = min_band_size
        self.max_iter = max_iter
        self.n_segments = n_segments
        self.censor_days = censor_days
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, frame, as_of):
        """Learn from the outcomes known on ``as_of``; returns ``self``."""
        as_of = _day(as_of)
        report = validate_frame(frame)
        self.rejected_ = report.rejected
        clean = report.clean[report.clean["invoice_date"] < as_of].reset_index(
            drop=True
        )
        labelled = known_outcomes(clean, as_of, self.censor_days)
        labelled = (
            labelled.assign(_key=labelled["invoice_id"].astype(str))
            .sort_values(["invoice_date", "_key"], kind="stable")
            .drop(columns="_key")
        )
        x = build_features(clean, labelled, labelled["invoice_date"].to_numpy())
        y = labelled["late"].to_numpy()
        term = (labelled["due_date"] - labelled["invoice_date"]).dt.days.to_numpy(
            dtype=float
        )
        settle_days = np.clip(
            labelled["days_late"].to_numpy() + term, 0.0, term + MAX_DAYS_LATE
        )

        self.as_of_ = as_of
        self.use_country_ = report.has_country and clean["country"].nunique() > 1
        self.n_labelled_ = len(y)
        self.base_rate_ = (y.sum() + 1.0) / (len(y) + 2.0)
        self.base_settle_days_ = float(np.median(settle_days)) if len(y) else np.nan
        self.base_days_late_ = float(np.mean(settle_days - term)) if len(y) else 0.0
        self.classifier_ = self.regressor_ = self.calibrator_ = None
        self.validation_ = None
        self.pay_date_model_weight_ = 0.0
        self._lift_tables = None
        self._importances = None
        partners = labelled["partner_id"].to_numpy()
        self.fallback_reason_ = self._fallback_reason(
            y, len(set(partners))
        ) or self._fit_models(x, y, settle_days, partners)
        proba = (
            self._calibrated(x)[0]
            if self.calibrator_ is not None
            else self._prior(x)[0]
        )
        if self.fallback_reason_:
            _logger.warning(
                "late-payment model falls back to prior scores: %s",
                self.fallback_reason_,
            )
        else:
            self._lift_tables = R.fit_lift_tables(x, y, self.use_country_)
            sample = np.random.default_rng(self.random_state).permutation(len(y))[
                :_IMPORTANCE_SAMPLE
            ]
            self._importance_data = (self._model_input(x).iloc[sample], y[sample])
        self._bands = fit_bands(proba, y, self.min_band_size)
        self.bands_, self.bands_validated_ = self._bands.table, self._bands.validated
        _logger.info(
            "fitted late-payment model as of %s on %d labelled invoices (late "
            "rate %.3f)%s",
            as_of.date(),
            len(y),
            y.mean() if len(y) else float("nan"),
            f", fallback: {self.fallback_reason_}" if self.fallback_reason_ else "",
        )
        return self

    def _fallback_reason(self, y, n_partners):
        """Why ``y`` (labels of ``n_partners`` customers) is too little to learn from,
        or None."""
        n, n_late = len(y), int(y.sum())
        if n < self.min_labelled:
            return R.Reason(
                R.FALLBACK_INSUFFICIENT_DATA,
                {
                    "n_labelled": n,
                    "min_labelled": self.min_labelled,
                    "censor_days": self.censor_days,
                },
            )
        if n_late == 0:
            return R.Reason(R.FALLBACK_NO_LATE)
        if n_late == n:
            return R.Reason(R.FALLBACK_ALL_LATE)
        if min(n_late, n - n_late) < self.min_per_class:
            code = (
                R.FALLBACK_FEW_LATE if n_late < n - n_late else R.FALLBACK_FEW_ON_TIME
            )
            return R.Reason(
                code,
                {"count": min(n_late, n - n_late), "min_per_class": self.min_per_class},
            )
        if n_partners < 2:
            return R.Reason(R.FALLBACK_SINGLE_CUSTOMER)
        return None

    def _fit_models(self, x, y, settle_days, partners):
        """Fit the classifier and regressor, guarded against the baseline.

        Out-of-time predictions first (:meth:`_out_of_time_predictions`); on
        them the calibration is learnt and the model checked against the
        prior (:meth:`_calibrate`).  The model is dropped, and the reason
        returned, when it adds nothing; otherwise classifier and regressor are
        fitted on every labelled invoice.
        """
        xm = self._model_input(x)
        splits = [
            (train, test)
            for train, test in TimeSeriesSplit(n_splits=N_TIME_SPLITS).split(xm)
            if not self._fallback_reason(y[train], len(set(partners[train])))
        ]
        recent = (
            np.concatenate([test for _, test in splits])
            if splits
            else np.array([], dtype=int)
        )
        n_late = int(y[recent].sum())
        # a calibration learnt on a handful of invoices would follow whoever is late
        # in them: below min_labelled the customers' own history is used as is
        if len(recent) < self.min_labelled or min(n_late, len(recent) - n_late) < max(
            2, self.min_per_class
        ):
            return R.Reason(
                R.FALLBACK_CANNOT_CHECK,
                {
                    "n_valid": len(recent),
                    "n_late": n_late,
                    "min_valid": self.min_labelled,
                    "min_per_class": self.min_per_class,
                },
            )
        model_proba, model_settle = self._out_of_time_predictions(
            xm, y, settle_days, splits
        )
        reason = self._calibrate(
            x.iloc[recent], y[recent], settle_days[recent], model_proba, model_settle
        )
        if reason:
            return reason
        self.classifier_ = self._pipeline(HistGradientBoostingClassifier, xm).fit(xm, y)
        self.regressor_ = self._pipeline(
            HistGradientBoostingRegressor, xm, loss="absolute_error"
        ).fit(xm, settle_days)
        return None

    def _out_of_time_predictions(self, xm, y, settle_days, splits):
        """Late probability and days to settle of each later block, by models fitted on
        the blocks before it.

        The labelled invoices, in invoice date order, are cut into
        ``N_TIME_SPLITS + 1`` blocks (``splits``, those with enough to learn
        from); the predictions follow the order of the test blocks.
        """
        n = sum(len(test) for _, test in splits)
        model_proba, model_settle = np.empty(n), np.empty(n)
        start = 0
        for train, test in splits:
            held = slice(start, start + len(test))
            x_train = xm.iloc[train]
            classifier = self._pipeline(HistGradientBoostingClassifier, x_train).fit(
                x_train, y[train]
            )
            regressor = self._pipeline(
                HistGradientBoostingRegressor, x_train, loss="absolute_error"
            )
            model_proba[held] = classifier.predict_proba(xm.iloc[test])[:, 1]
            model_settle[held] = regressor.fit(x_train, settle_days[train]).predict(
                xm.iloc[test]
            )
            start += len(test)
        return model_proba, model_settle

    def _calibrate(self, x_valid, y_valid, settle_valid, model_proba, model_settle):
        """Learn the calibration on out-of-time predictions; the reason to drop the
        model, if any.

        A logistic regression learns the calibrated late probability from the
        logit of the model, the logit of the prior (each customer's own
        smoothed late rate) and the customer's smoothed mean days late; the
        pay date is the mix of model and customer median delay with the
        lowest error.  ``validation_`` compares the out-of-fold calibrated
        probabilities with the prior.  The model is dropped when its logit
        gets no positive weight or its Brier score exceeds the prior's by
        more than one standard error.
        """
        n_valid, n_late = len(y_valid), int(y_valid.sum())
        prior_proba, prior_settle = self._prior(x_valid)
        stacked = self._stack(model_proba, prior_proba, x_valid)
        self.calibrator_ = LogisticRegression().fit(stacked, y_valid)
        folds = StratifiedKFold(
            n_splits=min(5, n_late, n_valid - n_late),
            shuffle=True,
            random_state=self.random_state,
        )
        calibrated = cross_val_predict(
            LogisticRegression(), stacked, y_valid, cv=folds, method="predict_proba"
        )[:, 1]

        errors = {
            w: np.abs(w * model_settle + (1 - w) * prior_settle - settle_valid).mean()
            for w in _PAY_DATE_WEIGHTS
        }
        self.pay_date_model_weight_ = min(errors, key=errors.get)
        self.validation_ = pd.DataFrame(
            {
                "n_invoices": n_valid,
                "auc": [
                    roc_auc_score(y_valid, calibrated),
                    roc_auc_score(y_valid, prior_proba),
                ],
                "brier": [
                    brier_score_loss(y_valid, calibrated),
                    brier_score_loss(y_valid, prior_proba),
                ],
                "pay_date_mae_days": [errors[self.pay_date_model_weight_], errors[0.0]],
            },
            index=pd.Index(["model", "baseline"], name="method"),
        )
        model_brier, prior_brier = self.validation_["brier"]
        if self.calibrator_.coef_[0, 0] <= 0:
            self.calibrator_ = LogisticRegression().fit(stacked[:, 1:], y_valid)
            self.pay_date_model_weight_ = 0.0
            return R.Reason(R.FALLBACK_MODEL_ADDS_NOTHING, {"n_valid": n_valid})
        excess = (calibrated - y_valid) ** 2 - (prior_proba - y_valid) ** 2
        if excess.mean() > excess.std() / np.sqrt(n_valid):
            self.calibrator_, self.pay_date_model_weight_ = None, 0.0
            return R.Reason(
                R.FALLBACK_BASELINE_BETTER,
                {
                    "n_valid": n_valid,
                    "baseline_brier": round(float(prior_brier), 4),
                    "model_brier": round(float(model_brier), 4),
                },
            )
        return None

    def _stack(self, model_proba, prior_proba, x):
        """Calibrator input: logits of the model (unless None) and of the prior,
        smoothed mean days late / 10."""
        probas = [prior_proba] if model_proba is None else [model_proba, prior_proba]
        logits = logit(np.clip(np.column_stack(probas), PROB_FLOOR, 1 - PROB_FLOOR))
        k, n = self.prior_strength, x["hist_paid_count"].to_numpy()
        days = (
            np.nan_to_num(x["hist_mean_days_late"].to_numpy()) * n
            + k * self.base_days_late_
        ) / (n + k)
        return np.column_stack([logits, days / 10.0])

    def _model_input(self, x):
        cols = list(NUMERIC_FEATURES) + (["country"] if self.use_country_ else [])
        return x[cols]

    def _preprocessor(self, numeric):
        cat = ["country"] if self.use_country_ else []
        return ColumnTransformer(
            [
                ("num", "passthrough", numeric),
                (
                    "cat",
                    OrdinalEncoder(
                        handle_unknown="use_encoded_value",
                        unknown_value=np.nan,
                        encoded_missing_value=np.nan,
                        max_categories=30,
                    ),
                    cat,
                ),
            ]
        )

    def _pipeline(self, cls, x_train, **params):
        """Preprocessing plus a histogram gradient boosting ``cls`` sized for
        ``x_train``.

        Numeric features without any value in ``x_train`` are left out: the
        estimator cannot bin an empty column.
        """
        numeric = [f for f in NUMERIC_FEATURES if x_train[f].notna().any()]
        n = len(x_train)
        hgb = cls(
            **params,
            max_iter=self.max_iter,
            learning_rate=0.08,
            max_leaf_nodes=15,
            min_samples_leaf=max(5, min(40, n // 50)),
            l2_regularization=1.0,
            early_stopping=n >= 1000,
            validation_fraction=0.15,
            n_iter_no_change=15,
            categorical_features=[len(numeric)] if self.use_country_ else None,
            random_state=self.random_state,
        )
        return Pipeline([("features", self._preprocessor(numeric)), ("hgb", hgb)])

    def _calibrated(self, x):
        """Calibrated late probability and expected days to settle of the feature rows
        ``x``.

        Without a classifier (it added nothing) from the customer's own history only.
        """
        prior_proba, prior_settle = self._prior(x)
        if self.classifier_ is None:
            return self.calibrator_.predict_proba(self._stack(None, prior_proba, x))[
                :, 1
            ], prior_settle
        xm = self._model_input(x)
        stacked = self._stack(self.classifier_.predict_proba(xm)[:, 1], prior_proba, x)
        w = self.pay_date_model_weight_
        return self.calibrator_.predict_proba(stacked)[
            :, 1
        ], w * self.regressor_.predict(xm) + (1 - w) * prior_settle

    def _prior(self, x):
        """Beta-prior smoothed per-customer late probability, and its median days to
        settle.

        Without a paid invoice the portfolio median delay stands in, or the
        payment terms when nothing was paid at all.
        """
        k = self.prior_strength
        known = x["hist_paid_count"] + x["overdue_count"]
        late = x["hist_late_count"] + x["overdue_count"]
        proba = ((late + k * self.base_rate_) / (known + k)).to_numpy()
        settle = (
            x["hist_median_days_to_settle"]
            .fillna(self.base_settle_days_)
            .fillna(x["payment_term_days"])
        )
        return proba, settle.to_numpy()

    # -------------------------------------------------------------- reasons
    @property
    def feature_importances_(self):
        """Permutation importance (ROC AUC drop) of each model input."""
        if self._importances is None and self.classifier_ is not None:
            xs, ys = self._importance_data
            result = permutation_importance(
                self.classifier_,
                xs,
                ys,
                scoring="roc_auc",
                n_repeats=2,
                random_state=self.random_state,
            )
            self._importances = pd.Series(
                result.importances_mean, index=xs.columns
            ).clip(lower=0.0)
        return self._importances

    def _reasons(self, x, proba):
        """Top three reasons (codes with parameters) of each feature row, see
        :func:`.reasons.top_reasons`."""
        if self.fallback_reason_ is None:
            return R.top_reasons(
                x, proba, self.base_rate_, self._lift_tables, self.feature_importances_
            )
        return R.top_reasons(x, proba, self.base_rate_)

    def band_of(self, risk_score):
        """Band code of each 0-100 risk score."""
        return self._bands.band_of(risk_score)

    # -------------------------------------------------------------- predict
    @staticmethod
    def _open_on(clean, as_of):
        """The invoices open on ``as_of``: issued before it and not paid before it."""
        return clean[(clean["invoice_date"] < as_of) & ~(clean["paid_date"] < as_of)]

    def _check_fitted(self, as_of):
        if not hasattr(self, "as_of_"):
            raise RuntimeError(
                "LatePaymentModel is not fitted; call fit(frame, as_of) first"
            )
        if as_of < self.as_of_:
            _logger.warning(
                "scoring as of %s with a model fitted as of %s: the model has "
                "seen later outcomes",
                as_of.date(),
                self.as_of_.date(),
            )

    def _score(self, history, rows, as_of, with_reasons=True):
        """Score ``rows`` with features as of ``as_of`` (a date, or one per row) from
        ``history``."""
        x = build_features(history, rows, as_of)
        proba, settle_days = (
            self._calibrated(x)
            if self.calibrator_ is not None and not x.empty
            else self._prior(x)
        )
        proba = np.clip(
            np.nan_to_num(proba, nan=self.base_rate_), PROB_FLOOR, 1 - PROB_FLOOR
        )
        issued, due = rows["invoice_date"].to_numpy(), rows["due_date"].to_numpy()
        term = (due - issued) / np.timedelta64(1, "D")
        settle_days = np.clip(
            np.nan_to_num(settle_days, nan=term), 0.0, term + MAX_DAYS_LATE
        )
        pay = issued + pd.to_timedelta(np.rint(settle_days), unit="D").to_numpy()
        pay = np.maximum(pay, np.asarray(as_of, dtype="datetime64[ns]"))
        overdue_days = x["days_overdue"].to_numpy()
        behaviour = proba
        proba = np.where(overdue_days > 0, 1.0, behaviour)
        days = np.maximum((pay - due) / np.timedelta64(1, "D"), 0.0)
        score = np.rint(proba * 100).astype(int)
        out = pd.DataFrame(
            {
                "partner_id": rows["partner_id"].to_numpy(),
                "late_probability": proba,
                "behaviour_probability": behaviour,
                "expected_days_late": days,
                "expected_pay_date": pay,
                "days_overdue": overdue_days.astype(int),
                "risk_score": score,
                "risk_band": self.band_of(score),
                "reasons": self._reasons(x, proba)
                if with_reasons
                else [[] for _ in range(len(rows))],
            },
            index=pd.Index(rows["invoice_id"].to_numpy(), name="invoice_id"),
        )
        return out, x

    def predict(self, frame, as_of, invoice_ids=None, reasons=True, at_issue=False):
        """Score invoices as of ``as_of`` (one row per ``invoice_id``).

        By default every invoice open on ``as_of`` (issued before it, not paid
        before it) is scored.  ``invoice_ids`` selects invoices explicitly;
        invoices issued on or after ``as_of`` are then scored as new invoices
        from the history known on ``as_of`` or, with ``at_issue``, from the
        history known on their own invoice date: what the model fitted on
        ``as_of`` says of an invoice the day it is issued.  Columns:
        :data:`PREDICTION_COLUMNS`.  An invoice already past due is late by
        definition: ``late_probability`` 1 and at least its days overdue;
        ``behaviour_probability`` is what the customer's payment behaviour
        alone says (the model's probability before that rule).  ``reasons``
        are lists of :class:`~.reasons.Reason`.
        """
        as_of = _day(as_of)
        self._check_fitted(as_of)
        report = validate_frame(frame)
        self.rejected_ = report.rejected
        clean = report.clean
        if invoice_ids is None:
            rows = self._open_on(clean, as_of)
        else:
            rows = clean[clean["invoice_id"].isin(list(invoice_ids))]
            if len(rows) < len(set(invoice_ids)):
                _logger.warning(
                    "%d requested invoice ids not found or rejected",
                    len(set(invoice_ids)) - len(rows),
                )
        if at_issue:
            # every feature only looks at events before its row's own feature date
            return self._score(
                clean,
                rows,
                np.maximum(rows["invoice_date"].to_numpy(), as_of.to_datetime64()),
                reasons,
            )[0]
        return self._score(clean[clean["invoice_date"] < as_of], rows, as_of, reasons)[
            0
        ]

    # ------------------------------------------------------------- partners
    def score_partners(self, frame, as_of, invoice_scores=None):
        """Score every customer invoiced before ``as_of``; one row per partner_id.

        ``invoice_scores``: what ``predict(frame, as_of)`` returned (with its
        reasons), reused instead of scoring the open invoices again.

        The score describes the customer's payment behaviour: will its open
        invoices and its next one be paid late, and how late.
        ``late_probability`` / ``expected_days_late`` are the amount-weighted
        means over its open invoices' ``behaviour_probability`` /
        ``expected_days_late`` and a next invoice issued on ``as_of`` (its
        usual amount and terms).  An invoice already overdue counts with what
        the behaviour says, not as certain: how overdue the customer is today
        is for the collection priority, not for the score.  A customer without
        any paid invoice gets the portfolio late rate (``base_rate_``) and the
        reason ``REASON_PORTFOLIO_AVERAGE``.  Columns:
        ``risk_score`` (0-100), ``risk_band`` (code), ``late_probability``,
        ``expected_days_late``, ``segment`` (code), ``reasons`` (of the next
        invoice: the behaviour, :class:`~.reasons.Reason` lists),
        ``late_rate_history`` (share of paid invoices paid late, NaN without
        paid history), ``n_paid_invoices``, ``n_paid_late``, ``n_open``,
        ``open_amount``, ``n_overdue``, ``overdue_amount``, ``days_overdue``
        (of its most overdue open invoice).
        """
        as_of = _day(as_of)
        self._check_fitted(as_of)
        report = validate_frame(frame)
        self.rejected_ = report.rejected
        history = report.clean[report.clean["invoice_date"] < as_of]
        open_rows = self._open_on(history, as_of)
        if invoice_scores is None:
            invoice_scores = self._score(history, open_rows, as_of)[0]
        elif (
            not invoice_scores.index.equals(pd.Index(open_rows["invoice_id"]))
            or not invoice_scores["reasons"].map(len).all()
        ):
            raise ValueError(
                "invoice_scores must be what predict(frame, as_of) returned, with "
                "its reasons, for the same frame and date"
            )
        open_scores = invoice_scores.assign(amount=open_rows["amount"].to_numpy())
        # behaviour: from the invoices paid before as_of only, so that what is
        # open or overdue today (the priority's business) does not move it
        paid = history[history["paid_date"] < as_of]
        open_behaviour = self._score(paid, open_rows, as_of, with_reasons=False)[0]

        grouped = history.groupby("partner_id", sort=True)
        term = grouped["payment_term_days"].median()
        hypothetical = pd.DataFrame(
            {
                "invoice_id": term.index,
                "partner_id": term.index,
                "invoice_date": as_of,
                "due_date": as_of + pd.to_timedelta(term.to_numpy(), unit="D"),
                "amount": grouped["amount"].median().to_numpy(),
                "paid_date": pd.NaT,
                "country": grouped["country"].last().to_numpy(),
                "payment_term_days": term.to_numpy(),
                "disputed_date": pd.NaT,
            }
        ).astype({"paid_date": "datetime64[ns]", "disputed_date": "datetime64[ns]"})
        hyp_scores = self._score(paid, hypothetical, as_of)[0]
        px = build_features(history, hypothetical, as_of).set_axis(term.index)

        hyp = hyp_scores.set_axis(term.index)
        # the next invoice weighs its usual amount; amounts of 0 count as 1 so that no
        # weight is 0
        candidates = pd.concat(
            [
                open_behaviour[
                    ["partner_id", "behaviour_probability", "expected_days_late"]
                ].assign(amount=open_rows["amount"].to_numpy()),
                pd.DataFrame(
                    {
                        "partner_id": term.index,
                        "behaviour_probability": hyp[
                            "behaviour_probability"
                        ].to_numpy(),
                        "expected_days_late": hyp["expected_days_late"].to_numpy(),
                        "amount": hypothetical["amount"].to_numpy(),
                    }
                ),
            ],
            ignore_index=True,
        )
        weight = candidates["amount"].clip(lower=0).where(lambda w: w > 0, 1.0)
        sums = (
            candidates[["behaviour_probability", "expected_days_late"]]
            .mul(weight, axis=0)
            .assign(w=weight)
            .groupby(candidates["partner_id"].to_numpy())
            .sum()
        )
        out = pd.DataFrame(index=term.index)
        out["late_probability"] = (sums["behaviour_probability"] / sums["w"]).reindex(
            out.index
        )
        # nothing paid yet, nothing known of how it pays: the portfolio's late rate,
        # not whatever the model extrapolates from amounts and terms
        no_history = px["hist_paid_count"].to_numpy() == 0
        out.loc[no_history, "late_probability"] = self.base_rate_
        out["risk_score"] = np.rint(out["late_probability"] * 100).astype(int)
        out["risk_band"] = self.band_of(out["risk_score"])
        out["expected_days_late"] = (
            (sums["expected_days_late"] / sums["w"]).reindex(out.index).round(1)
        )
        out["segment"], self.segments_ = assign_segments(
            px, self.n_segments, self.random_state
        )
        portfolio = R.Reason(
            R.REASON_PORTFOLIO_AVERAGE, {"rate": round(float(self.base_rate_), 2)}
        )
        out["reasons"] = [
            [portfolio] if new else reasons
            for new, reasons in zip(no_history, hyp["reasons"], strict=True)
        ]
        with np.errstate(invalid="ignore", divide="ignore"):
            out["late_rate_history"] = px["hist_late_count"] / px["hist_paid_count"]
        out["n_paid_invoices"] = px["hist_paid_count"].astype(int)
        out["n_paid_late"] = px["hist_late_count"].astype(int)
        out["n_open"] = px["open_count"].astype(int)
        out["open_amount"] = px["open_amount"]
        out["n_overdue"] = px["overdue_count"].astype(int)
        out["overdue_amount"] = px["overdue_amount"]
        out["days_overdue"] = (
            open_scores.groupby("partner_id")["days_overdue"]
            .max()
            .reindex(out.index)
            .fillna(0)
            .astype(int)
        )
        return out
