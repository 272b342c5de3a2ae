# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Late-payment model: invoice probabilities, partner scores, bands, segments."""

import logging

import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, TimeSeriesSplit, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder, StandardScaler

from .features import NUMERIC_FEATURES, build_features, known_outcomes, validate_frame

_logger = logging.getLogger(__name__)

BAND_NAMES = ("low", "medium", "high", "critical")
DEFAULT_BAND_EDGES = (0, 25, 50, 75, 101)
PROB_FLOOR = 0.001
MAX_DAYS_LATE = 180.0
N_TIME_SPLITS = 3
_PAY_DATE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
NEW_CUSTOMER_PAID = 3
_LIFT_PRIOR = 20.0
_MIN_LIFT = 1.15
_IMPORTANCE_SAMPLE = 1500

REASON_GROUPS = (
    ("late_history", ("last_n_late_share", "hist_late_share", "known_late_share", "recent_late_share")),
    ("recent_late", ("late_last_90_count",)),
    (
        "days_late",
        (
            "hist_mean_days_late",
            "hist_median_days_late",
            "hist_mean_pos_days_late",
            "hist_std_days_late",
            "hist_mean_days_to_settle",
            "hist_median_days_to_settle",
            "last_few_mean_days_late",
        ),
    ),
    ("payment_recency", ("days_since_last_payment",)),
    ("overdue_30", ("overdue_30_count",)),
    ("overdue", ("overdue_count", "overdue_amount")),
    ("open_exposure", ("open_count", "open_amount")),
    ("amount_ratio", ("amount_ratio",)),
    ("amount", ("log_amount",)),
    ("tenure", ("tenure_days",)),
    ("history_length", ("hist_paid_count",)),
    ("terms", ("payment_term_days",)),
    ("disputed", ("disputed",)),
    ("dispute_history", ("hist_dispute_count",)),
    ("country", ("country",)),
)

PREDICTION_COLUMNS = (
    "partner_id",
    "late_probability",
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


def _plural(n, word):
    return f"{n:.0f} {word}{'' if round(n) == 1 else 's'}"


def _reason_texts(group, x):
    """Plain-English wording of a reason group for the feature rows ``x``.

    ``None`` marks a value that cannot honestly be worded as a risk (e.g. an
    on-time history that only looks risky next to very early payers).
    """
    out = []
    for r in x.itertuples(index=False):
        if group == "late_history":
            text = (
                f"paid {r.last_n_late:.0f} of its last {r.last_n_count:.0f} invoices late"
                if r.last_n_late
                else "no payment history yet"
                if not r.last_n_count
                else None
            )
        elif group == "days_late":
            m = r.hist_mean_days_late
            text = (
                "no payment history yet"
                if np.isnan(m)
                else f"pays {m:.0f} days late on average"
                if m >= 0.5
                else None
            )
        elif group == "recent_late":
            text = f"{_plural(r.late_last_90_count, 'invoice')} paid late in the last 90 days"
        elif group == "payment_recency":
            text = (
                "no payment received yet"
                if np.isnan(r.days_since_last_payment)
                else f"no payment received for {r.days_since_last_payment:.0f} days"
            )
        elif group == "overdue_30":
            text = f"{_plural(r.overdue_30_count, 'invoice')} already 30+ days overdue"
        elif group == "overdue":
            text = f"{_plural(r.overdue_count, 'invoice')} overdue ({r.overdue_amount:,.0f} in total)"
        elif group == "open_exposure":
            text = f"{r.open_amount:,.0f} already open across {_plural(r.open_count, 'invoice')}"
        elif group == "amount_ratio":
            text = (
                "no earlier invoice to compare the amount with"
                if np.isnan(r.amount_ratio)
                else f"amount is {r.amount_ratio:.1f}x its usual invoice"
            )
        elif group == "amount":
            text = f"invoice amount ({r.amount:,.0f}) is in a range that often pays late"
        elif group == "tenure":
            text = (
                "first invoice from this customer"
                if r.tenure_days == 0
                else f"new customer (first invoice {r.tenure_days:.0f} days ago)"
                if r.tenure_days < 365
                else f"customer for {r.tenure_days / 365:.1f} years"
            )
        elif group == "history_length":
            text = (
                "no paid invoice on record yet"
                if r.hist_paid_count == 0
                else f"{_plural(r.hist_paid_count, 'paid invoice')} on record"
            )
        elif group == "terms":
            text = f"payment terms of {r.payment_term_days:.0f} days"
        elif group == "disputed":
            text = "invoice is disputed"
        elif group == "dispute_history":
            text = f"{_plural(r.hist_dispute_count, 'earlier invoice')} disputed"
        else:
            text = f"customers in {r.country} pay late more often"
        out.append(text)
    return out


def _segment_name(late_share, mean_days, overdue_z, overdue_amount):
    """Name a behaviour profile (a centroid or a single partner)."""
    if (late_share >= 0.5 and mean_days >= 10) or mean_days >= 20:
        return "chronic late"
    if overdue_z >= 1.0 and overdue_amount > 0:
        return "large exposure at risk"
    if late_share >= 0.25:
        return "slow but steady"
    return "reliable"


class LatePaymentModel:
    """Calibrated late-payment classifier plus days-to-payment regressor.

    ``fit(frame, as_of)`` learns from what was known on ``as_of`` only;
    ``predict`` scores invoices, ``score_partners`` scores customers.  The
    models are checked on later labelled invoices against the prior (each
    customer's own smoothed late rate and median days to payment), blended
    with it, and dropped when the prior does as well.  With too little or
    degenerate data, or when the prior wins, the model falls back to the prior
    and says why in ``fallback_reason_``.

    Fitted attributes: ``as_of_``, ``fallback_reason_`` (None when the
    scikit-learn models are used), ``n_labelled_``, ``base_rate_``,
    ``base_settle_days_`` (portfolio median days from invoice to payment),
    ``classifier_`` and ``regressor_`` (gradient boosting pipelines),
    ``calibrator_`` (logistic regression on the logits of classifier and
    prior and on the customer's mean days late; without the classifier when
    it added nothing, None when the raw prior is used), ``pay_date_model_weight_`` (share of the regressor in the pay
    date, the rest is the customer's median delay), ``validation_`` (model vs
    prior on the out-of-time predictions: AUC, Brier, pay-date MAE; None
    when not checked), ``bands_``, ``rejected_`` (rows refused by validation
    in the last frame given to fit/predict/score_partners),
    ``feature_importances_`` (permutation importance, computed lazily) and,
    after ``score_partners``, ``segments_``.
    """

    def __init__(
        self,
        min_labelled=30,
        min_per_class=5,
        prior_strength=5.0,
        min_band_size=20,
        max_iter=300,
        n_segments=4,
        random_state=0,
    ):
        self.min_labelled = min_labelled
        self.min_per_class = min_per_class
        self.prior_strength = prior_strength
        self.min_band_size = min_band_size
        self.max_iter = max_iter
        self.n_segments = n_segments
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, frame, as_of):
        """Learn from the outcomes known on ``as_of``; returns ``self``."""
        as_of = _day(as_of)
        report = validate_frame(frame)
        self.rejected_ = report.rejected
        clean = report.clean[report.clean["invoice_date"] < as_of].reset_index(drop=True)
        labelled = known_outcomes(clean, as_of)
        labelled = (
            labelled.assign(_key=labelled["invoice_id"].astype(str))
            .sort_values(["invoice_date", "_key"], kind="stable")
            .drop(columns="_key")
        )
        x = build_features(clean, labelled, labelled["invoice_date"].to_numpy())
        y = labelled["late"].to_numpy()
        term = (labelled["due_date"] - labelled["invoice_date"]).dt.days.to_numpy(dtype=float)
        settle_days = np.clip(labelled["days_late"].to_numpy() + term, 0.0, term + MAX_DAYS_LATE)

        self.as_of_ = as_of
        self.use_country_ = report.has_country and clean["country"].nunique() > 1
        self.n_labelled_ = len(y)
        self.base_rate_ = (y.sum() + 1.0) / (len(y) + 2.0)
        self.base_settle_days_ = float(np.median(settle_days)) if len(y) else np.nan
        self.base_days_late_ = float(np.mean(settle_days - term)) if len(y) else 0.0
        self.classifier_ = self.regressor_ = self.calibrator_ = None
        self.validation_ = None
        self.pay_date_model_weight_ = 0.0
        self._lift_tables = {}
        self._importances = None
        partners = labelled["partner_id"].to_numpy()
        self.fallback_reason_ = self._fallback_reason(y, len(set(partners))) or self._fit_models(
            x, y, settle_days, partners
        )
        proba = self._calibrated(x)[0] if self.calibrator_ is not None else self._prior(x)[0]
        if self.fallback_reason_:
            _logger.warning("late-payment model falls back to prior scores: %s", self.fallback_reason_)
        else:
            self._fit_lift_tables(x, y)
            sample = np.random.default_rng(self.random_state).permutation(len(y))[:_IMPORTANCE_SAMPLE]
            self._importance_data = (self._model_input(x).iloc[sample], y[sample])
        self._fit_bands(proba, y)
        _logger.info(
            "fitted late-payment model as of %s on %d labelled invoices (late rate %.3f)%s",
            as_of.date(),
            len(y),
            y.mean() if len(y) else float("nan"),
            f", fallback: {self.fallback_reason_}" if self.fallback_reason_ else "",
        )
        return self

    def _fallback_reason(self, y, n_partners):
        n, n_late = len(y), int(y.sum())
        if n < self.min_labelled:
            return f"insufficient data: {n} labelled invoices (need {self.min_labelled})"
        if n_late == 0:
            return "single class: no late payment in history"
        if n_late == n:
            return "single class: every labelled invoice was late"
        if min(n_late, n - n_late) < self.min_per_class:
            minority = "late" if n_late < n - n_late else "on-time"
            return f"too few {minority} invoices: {min(n_late, n - n_late)} (need {self.min_per_class})"
        if n_partners < 2:
            return "single customer: need at least 2 customers to learn across customers"
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
        recent = np.concatenate([test for _, test in splits]) if splits else np.array([], dtype=int)
        n_late = int(y[recent].sum())
        if min(n_late, len(recent) - n_late) < max(2, self.min_per_class):
            return (
                f"insufficient data to check the model: {len(recent)} later invoices, {n_late} late "
                f"(need {self.min_per_class} late and on time, and enough earlier ones to learn from)"
            )
        model_proba, model_settle = self._out_of_time_predictions(xm, y, settle_days, splits)
        reason = self._calibrate(x.iloc[recent], y[recent], settle_days[recent], model_proba, model_settle)
        if reason:
            return reason
        self.classifier_ = self._pipeline(HistGradientBoostingClassifier, xm).fit(xm, y)
        self.regressor_ = self._pipeline(HistGradientBoostingRegressor, xm, loss="absolute_error").fit(xm, settle_days)
        return None

    def _out_of_time_predictions(self, xm, y, settle_days, splits):
        """Late probability and days to settle of each later block, by models fitted on the blocks before it.

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
            classifier = self._pipeline(HistGradientBoostingClassifier, x_train).fit(x_train, y[train])
            regressor = self._pipeline(HistGradientBoostingRegressor, x_train, loss="absolute_error")
            model_proba[held] = classifier.predict_proba(xm.iloc[test])[:, 1]
            model_settle[held] = regressor.fit(x_train, settle_days[train]).predict(xm.iloc[test])
            start += len(test)
        return model_proba, model_settle

    def _calibrate(self, x_valid, y_valid, settle_valid, model_proba, model_settle):
        """Learn the calibration on out-of-time predictions; the reason to drop the model, if any.

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
        folds = StratifiedKFold(n_splits=min(5, n_late, n_valid - n_late), shuffle=True, random_state=self.random_state)
        calibrated = cross_val_predict(LogisticRegression(), stacked, y_valid, cv=folds, method="predict_proba")[:, 1]

        errors = {
            w: np.abs(w * model_settle + (1 - w) * prior_settle - settle_valid).mean() for w in _PAY_DATE_WEIGHTS
        }
        self.pay_date_model_weight_ = min(errors, key=errors.get)
        self.validation_ = pd.DataFrame(
            {
                "n_invoices": n_valid,
                "auc": [roc_auc_score(y_valid, calibrated), roc_auc_score(y_valid, prior_proba)],
                "brier": [brier_score_loss(y_valid, calibrated), brier_score_loss(y_valid, prior_proba)],
                "pay_date_mae_days": [errors[self.pay_date_model_weight_], errors[0.0]],
            },
            index=pd.Index(["model", "baseline"], name="method"),
        )
        model_brier, prior_brier = self.validation_["brier"]
        if self.calibrator_.coef_[0, 0] <= 0:
            self.calibrator_ = LogisticRegression().fit(stacked[:, 1:], y_valid)
            self.pay_date_model_weight_ = 0.0
            return (
                f"baseline preferred: on {n_valid} later invoices the model added nothing to the "
                "customers' own history, which alone gives the late probability"
            )
        excess = (calibrated - y_valid) ** 2 - (prior_proba - y_valid) ** 2
        if excess.mean() > excess.std() / np.sqrt(n_valid):
            self.calibrator_, self.pay_date_model_weight_ = None, 0.0
            return (
                f"baseline preferred: on {n_valid} later invoices the customers' own late "
                f"rates score Brier {prior_brier:.3f}, the model {model_brier:.3f}"
            )
        return None

    def _stack(self, model_proba, prior_proba, x):
        """Calibrator input: logits of the model (unless None) and of the prior, smoothed mean days late / 10."""
        probas = [prior_proba] if model_proba is None else [model_proba, prior_proba]
        logits = logit(np.clip(np.column_stack(probas), PROB_FLOOR, 1 - PROB_FLOOR))
        k, n = self.prior_strength, x["hist_paid_count"].to_numpy()
        days = (np.nan_to_num(x["hist_mean_days_late"].to_numpy()) * n + k * self.base_days_late_) / (n + k)
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
        """Preprocessing plus a histogram gradient boosting ``cls`` sized for ``x_train``.

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
        """Calibrated late probability and expected days to settle of the feature rows ``x``.

        Without a classifier (it added nothing) from the customer's own history only.
        """
        prior_proba, prior_settle = self._prior(x)
        if self.classifier_ is None:
            return self.calibrator_.predict_proba(self._stack(None, prior_proba, x))[:, 1], prior_settle
        xm = self._model_input(x)
        stacked = self._stack(self.classifier_.predict_proba(xm)[:, 1], prior_proba, x)
        w = self.pay_date_model_weight_
        return self.calibrator_.predict_proba(stacked)[:, 1], w * self.regressor_.predict(xm) + (1 - w) * prior_settle

    def _prior(self, x):
        """Beta-prior smoothed per-customer late probability, and its median days to settle.

        Without a paid invoice the portfolio median delay stands in, or the
        payment terms when nothing was paid at all.
        """
        k = self.prior_strength
        known = x["hist_paid_count"] + x["overdue_count"]
        late = x["hist_late_count"] + x["overdue_count"]
        proba = ((late + k * self.base_rate_) / (known + k)).to_numpy()
        settle = x["hist_median_days_to_settle"].fillna(self.base_settle_days_).fillna(x["payment_term_days"])
        return proba, settle.to_numpy()

    # ---------------------------------------------------------------- bands
    def _fit_bands(self, proba, y):
        """Pick score bands whose observed late rates strictly increase.

        Start from fixed thresholds (0-24 low, 25-49 medium, 50-74 high,
        75-100 critical) on the training scores; while a band holds fewer
        than ``min_band_size`` invoices or its late rate is not above the
        band below, merge it with its lower neighbour (the first band merges
        upwards); a merged band keeps the lower name.  With too few labels or
        a single class the fixed thresholds are kept unvalidated.
        """
        score = np.rint(np.clip(proba, 0, 1) * 100)
        edges, names = list(DEFAULT_BAND_EDGES), list(BAND_NAMES)

        def stats():
            idx = np.searchsorted(edges, score, side="right") - 1
            n = np.bincount(idx, minlength=len(names))[: len(names)]
            late = np.bincount(idx, weights=y, minlength=len(names))[: len(names)]
            with np.errstate(invalid="ignore", divide="ignore"):
                return n, late / n

        self.bands_validated_ = len(y) >= 2 * self.min_band_size and 0 < y.sum() < len(y)
        while self.bands_validated_ and len(names) > 1:
            n, rate = stats()
            small = np.flatnonzero(n < self.min_band_size)
            if len(small):
                merge = max(small[0], 1)
            else:
                worse = np.flatnonzero(rate[1:] <= rate[:-1])
                if not len(worse):
                    break
                merge = worse[0] + 1
            del edges[merge], names[merge]
        n, rate = stats()
        self.band_edges_, self.band_names_ = edges, names
        self.bands_ = pd.DataFrame(
            {
                "band": names,
                "min_score": edges[:-1],
                "max_score": [min(e - 1, 100) for e in edges[1:]],
                "n_invoices": n.astype(int),
                "late_rate": rate,
            }
        )

    def band_of(self, risk_score):
        """Band name of each 0-100 risk score."""
        idx = np.searchsorted(self.band_edges_, np.asarray(risk_score), side="right") - 1
        return np.asarray(self.band_names_, dtype=object)[np.clip(idx, 0, len(self.band_names_) - 1)]

    # -------------------------------------------------------------- reasons
    def _fit_lift_tables(self, x, y):
        """Smoothed late rate per quantile bin (or category) of each feature."""
        base = y.mean()
        for _, feats in REASON_GROUPS:
            for feat in feats:
                if feat == "country":
                    if not self.use_country_:
                        continue
                    grp = pd.DataFrame({"c": x["country"].to_numpy(), "y": y}).groupby("c")["y"]
                    rates = (grp.sum() + _LIFT_PRIOR * base) / (grp.count() + _LIFT_PRIOR)
                    self._lift_tables[feat] = (None, rates / base)
                    continue
                values = x[feat].to_numpy(dtype=float)
                finite = np.isfinite(values)
                edges = np.unique(np.quantile(values[finite], [0.2, 0.4, 0.6, 0.8])) if finite.any() else np.array([])
                idx = self._bin(edges, values)
                n = np.bincount(idx, minlength=len(edges) + 2)
                late = np.bincount(idx, weights=y, minlength=len(edges) + 2)
                rates = (late + _LIFT_PRIOR * base) / (n + _LIFT_PRIOR)
                self._lift_tables[feat] = (edges, rates / base)

    @staticmethod
    def _bin(edges, values):
        idx = np.searchsorted(edges, values, side="left")
        return np.where(np.isfinite(values), idx, len(edges) + 1)

    @property
    def feature_importances_(self):
        """Permutation importance (ROC AUC drop) of each model input."""
        if self._importances is None and self.classifier_ is not None:
            xs, ys = self._importance_data
            result = permutation_importance(
                self.classifier_, xs, ys, scoring="roc_auc", n_repeats=2, random_state=self.random_state
            )
            self._importances = pd.Series(result.importances_mean, index=xs.columns).clip(lower=0.0)
        return self._importances

    def _reasons(self, x, proba):
        """Top three plain-English reasons pushing each row's risk up.

        Model mode: a feature counts when the row's value falls in a bin whose
        training late rate is above the portfolio rate (lift >= 1.15); it is
        weighted by the model's permutation importance, score
        ``importance * log(lift)``.  Fallback mode: simple rules on overdue
        items and the customer's own history.  Overdue invoices always lead
        with their days overdue.
        """
        n = len(x)
        groups = [g for g, _ in REASON_GROUPS]
        score = np.full((n, len(groups)), -np.inf)
        if self.fallback_reason_ is None:
            importances = self.feature_importances_
            for j, (_, feats) in enumerate(REASON_GROUPS):
                for feat in feats:
                    if feat not in self._lift_tables:
                        continue
                    edges, lift = self._lift_tables[feat]
                    if edges is None:
                        lifts = x[feat].map(lift).fillna(1.0).to_numpy()
                    else:
                        lifts = lift[self._bin(edges, x[feat].to_numpy(dtype=float))]
                    s = np.where(lifts >= _MIN_LIFT, importances.get(feat, 0.0) * np.log(lifts), -np.inf)
                    score[:, j] = np.maximum(score[:, j], np.where(s > 0, s, -np.inf))
        else:
            rules = {
                "overdue_30": x["overdue_30_count"] > 0,
                "overdue": x["overdue_count"] > 0,
                "late_history": (x["last_n_late"] > 0) & (proba > self.base_rate_),
            }
            for rank, (group, mask) in enumerate(rules.items()):
                score[mask.to_numpy(), groups.index(group)] = len(rules) - rank
        overdue = x["days_overdue"].to_numpy() > 0
        top = np.argsort(-score, axis=1, kind="stable")[:, :3]
        chosen = np.take_along_axis(score, top, axis=1) > -np.inf
        chosen[overdue, 2] = False
        texts = {}
        for j, group in enumerate(groups):
            rows = np.flatnonzero(((top == j) & chosen).any(axis=1))
            if len(rows):
                texts[j] = dict(zip(rows, _reason_texts(group, x.iloc[rows])))
        result = []
        for i in range(n):
            found = [f"already {x['days_overdue'].iat[i]:.0f} days overdue"] if overdue[i] else []
            for j, ok in zip(top[i], chosen[i]):
                if ok and texts[j][i] is not None and texts[j][i] not in found:
                    found.append(texts[j][i])
            if not found:
                found.append(
                    f"little payment history: estimate is close to the portfolio late rate ({self.base_rate_:.0%})"
                    if self.fallback_reason_ and x["hist_paid_count"].iat[i] < NEW_CUSTOMER_PAID
                    else "no risk factor above the portfolio average"
                )
            result.append(found)
        return result

    # -------------------------------------------------------------- predict
    @staticmethod
    def _open_on(clean, as_of):
        """The invoices open on ``as_of``: issued before it and not paid before it."""
        return clean[(clean["invoice_date"] < as_of) & ~(clean["paid_date"] < as_of)]

    def _check_fitted(self, as_of):
        if not hasattr(self, "as_of_"):
            raise RuntimeError("LatePaymentModel is not fitted; call fit(frame, as_of) first")
        if as_of < self.as_of_:
            _logger.warning(
                "scoring as of %s with a model fitted as of %s: the model has seen later outcomes",
                as_of.date(),
                self.as_of_.date(),
            )

    def _score(self, history, rows, as_of, with_reasons=True):
        """Score ``rows`` with features as of ``as_of`` (a date, or one per row) from ``history``."""
        x = build_features(history, rows, as_of)
        proba, settle_days = self._calibrated(x) if self.calibrator_ is not None and not x.empty else self._prior(x)
        proba = np.clip(np.nan_to_num(proba, nan=self.base_rate_), PROB_FLOOR, 1 - PROB_FLOOR)
        issued, due = rows["invoice_date"].to_numpy(), rows["due_date"].to_numpy()
        term = (due - issued) / np.timedelta64(1, "D")
        settle_days = np.clip(np.nan_to_num(settle_days, nan=term), 0.0, term + MAX_DAYS_LATE)
        pay = issued + pd.to_timedelta(np.rint(settle_days), unit="D").to_numpy()
        pay = np.maximum(pay, np.asarray(as_of, dtype="datetime64[ns]"))
        overdue_days = x["days_overdue"].to_numpy()
        proba = np.where(overdue_days > 0, 1.0, proba)
        days = np.maximum((pay - due) / np.timedelta64(1, "D"), 0.0)
        score = np.rint(proba * 100).astype(int)
        out = pd.DataFrame(
            {
                "partner_id": rows["partner_id"].to_numpy(),
                "late_probability": proba,
                "expected_days_late": days,
                "expected_pay_date": pay,
                "days_overdue": overdue_days.astype(int),
                "risk_score": score,
                "risk_band": self.band_of(score),
                "reasons": self._reasons(x, proba) if with_reasons else [[] for _ in range(len(rows))],
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
        definition: probability 1 and at least its days overdue.
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
                _logger.warning("%d requested invoice ids not found or rejected", len(set(invoice_ids)) - len(rows))
        if at_issue:
            # every feature only looks at events before its row's own feature date
            return self._score(clean, rows, np.maximum(rows["invoice_date"].to_numpy(), as_of.to_datetime64()), reasons)[0]
        return self._score(clean[clean["invoice_date"] < as_of], rows, as_of, reasons)[0]

    # ------------------------------------------------------------- partners
    def score_partners(self, frame, as_of, invoice_scores=None):
        """Score every customer invoiced before ``as_of``; one row per partner_id.

        ``invoice_scores``: what ``predict(frame, as_of)`` returned (with its
        reasons), reused instead of scoring the open invoices again.

        ``late_probability`` / ``expected_days_late`` are the amount-weighted
        means over the partner's open invoices or, with nothing open, those of
        a hypothetical new invoice of its usual amount and terms.  Columns:
        ``risk_score`` (0-100), ``risk_band``, ``late_probability``,
        ``expected_days_late``, ``segment``, ``reasons`` (of the riskiest
        open or hypothetical invoice), ``late_rate_history`` (share of paid
        invoices paid late, NaN without paid history), ``n_paid_invoices``,
        ``n_paid_late``, ``n_open``, ``open_amount``, ``n_overdue``,
        ``overdue_amount``.
        """
        as_of = _day(as_of)
        self._check_fitted(as_of)
        report = validate_frame(frame)
        self.rejected_ = report.rejected
        history = report.clean[report.clean["invoice_date"] < as_of]
        open_rows = self._open_on(history, as_of)
        if invoice_scores is None:
            invoice_scores = self._score(history, open_rows, as_of)[0]
        elif not invoice_scores.index.equals(pd.Index(open_rows["invoice_id"])) or not invoice_scores["reasons"].map(len).all():
            raise ValueError(
                "invoice_scores must be what predict(frame, as_of) returned, with its reasons, for the same frame and date"
            )
        open_scores = invoice_scores.assign(amount=open_rows["amount"].to_numpy())

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
        hyp_scores, px = self._score(history, hypothetical, as_of)
        px.index = term.index

        weight = open_scores["amount"].where(open_scores.groupby("partner_id")["amount"].transform("sum") > 0, 1.0)
        weighted = open_scores[["late_probability", "expected_days_late"]].mul(weight, axis=0)
        weighted["w"] = weight
        sums = weighted.groupby(open_scores["partner_id"].to_numpy()).sum()
        agg = sums[["late_probability", "expected_days_late"]].div(sums["w"], axis=0)
        riskiest = open_scores.sort_values("late_probability", ascending=False, kind="stable")
        riskiest = riskiest.drop_duplicates("partner_id").set_index("partner_id")["reasons"]

        out = pd.DataFrame(index=term.index)
        hyp = hyp_scores.set_axis(term.index)
        out["late_probability"] = agg["late_probability"].reindex(out.index).fillna(hyp["late_probability"])
        out["risk_score"] = np.rint(out["late_probability"] * 100).astype(int)
        out["risk_band"] = self.band_of(out["risk_score"])
        out["expected_days_late"] = (
            agg["expected_days_late"].reindex(out.index).fillna(hyp["expected_days_late"]).round(1)
        )
        out["segment"] = self._segments(px)
        out["reasons"] = riskiest.reindex(out.index).where(lambda s: s.notna(), hyp["reasons"])
        with np.errstate(invalid="ignore", divide="ignore"):
            out["late_rate_history"] = px["hist_late_count"] / px["hist_paid_count"]
        out["n_paid_invoices"] = px["hist_paid_count"].astype(int)
        out["n_paid_late"] = px["hist_late_count"].astype(int)
        out["n_open"] = px["open_count"].astype(int)
        out["open_amount"] = px["open_amount"]
        out["n_overdue"] = px["overdue_count"].astype(int)
        out["overdue_amount"] = px["overdue_amount"]
        return out

    def _segments(self, px):
        """Behavioural segment per partner (KMeans on standardized behaviour).

        Partners with fewer than 3 paid invoices are "new customer" by rule;
        the others are clustered on late share, mean days late and overdue
        amount (log), and each cluster is named from its centroid.
        The centroids are kept in ``segments_``.
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            behaviour = pd.DataFrame(
                {
                    "late_share": px["hist_late_count"] / px["hist_paid_count"],
                    "mean_days_late": px["hist_pos_days_sum"] / px["hist_paid_count"],
                    "log_overdue_amount": np.log1p(px["overdue_amount"]),
                },
                index=px.index,
            )
        segment = pd.Series("new customer", index=px.index, dtype=object)
        known = px["hist_paid_count"] >= NEW_CUSTOMER_PAID
        self.segments_ = pd.DataFrame(columns=[*behaviour.columns, "segment", "n_partners"])
        if not known.any():
            return segment
        data = behaviour[known]
        scaler = StandardScaler().fit(data)
        z = scaler.transform(data)
        k = min(self.n_segments, len(np.unique(z.round(6), axis=0)))
        if k >= 2:
            km = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit(z)
            centres = pd.DataFrame(scaler.inverse_transform(km.cluster_centers_), columns=data.columns)
            centres_z, labels = km.cluster_centers_, km.labels_
        else:
            centres = data.iloc[:1].reset_index(drop=True)
            centres_z, labels = z[:1], np.zeros(len(data), dtype=int)
        centres["segment"] = [
            _segment_name(c.late_share, c.mean_days_late, cz[2], np.expm1(c.log_overdue_amount))
            for c, cz in zip(centres.itertuples(), centres_z)
        ]
        centres["n_partners"] = np.bincount(labels, minlength=len(centres))
        self.segments_ = centres
        segment[known] = centres["segment"].to_numpy()[labels]
        return segment
