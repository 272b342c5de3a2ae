# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Input validation and as-of feature engineering.

Every feature of an invoice is computed *as of* a feature date ``t`` from
events strictly before ``t``: a payment is known from its paid date, an
invoice from its invoice date, a dispute from its disputed date.  The one
exception is the invoice's own dispute, a fact about the invoice rather
than its outcome: it counts from its disputed date inclusive, so an
invoice disputed on the day it is issued is scored as disputed that day.  All
history statistics are cumulative sums, expanding or exponentially weighted
windows over per-partner event streams joined with :func:`pandas.merge_asof`,
so no per-row Python loop is involved.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

_logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = (
    "invoice_id",
    "partner_id",
    "invoice_date",
    "due_date",
    "amount",
    "currency",
    "paid_date",
)
LAST_N = 10
LAST_FEW = 3
RECENT_HALFLIFE = 3.0
RECENT_DAYS = 90
OVERDUE_BUCKET_DAYS = 30
CENSOR_DAYS = 15

NUMERIC_FEATURES = (
    "hist_paid_count",
    "hist_late_share",
    "hist_mean_days_late",
    "hist_median_days_late",
    "hist_mean_pos_days_late",
    "hist_std_days_late",
    "hist_mean_days_to_settle",
    "hist_median_days_to_settle",
    "last_few_mean_days_late",
    "recent_late_share",
    "late_last_90_count",
    "days_since_last_payment",
    "known_late_share",
    "last_n_late_share",
    "open_count",
    "open_amount",
    "overdue_count",
    "overdue_amount",
    "overdue_30_count",
    "log_amount",
    "amount_ratio",
    "tenure_days",
    "payment_term_days",
    "disputed",
    "hist_dispute_count",
)
CATEGORICAL_FEATURES = ("country",)

_BLANK = ("", "nan", "nat", "none", "null")


@dataclass
class ValidationReport:
    """Outcome of :func:`validate_frame`.

    ``clean`` holds the accepted invoices with parsed types; ``rejected`` has
    one row per refused input row with ``row`` (original index label),
    ``invoice_id`` and ``reason``.
    """

    clean: pd.DataFrame
    rejected: pd.DataFrame
    has_country: bool = False

    @property
    def issues(self):
        """Human-readable list of rejected rows."""
        return [
            f"invoice {r.invoice_id!s} (row {r.row!s}): {r.reason}"
            for r in self.rejected.itertuples(index=False)
        ]


def _is_blank(raw):
    """Mask of missing or empty cells."""
    return raw.isna() | raw.astype(str).str.strip().str.lower().isin(_BLANK)


def _parse_dates(raw):
    """Parse a column to naive (UTC) day-precision datetimes; failures become NaT."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw
    else:
        text = raw.where(~_is_blank(raw))
        parsed = pd.to_datetime(text, errors="coerce", utc=True)
        retry = parsed.isna() & text.notna()
        if retry.any():
            parsed[retry] = pd.to_datetime(
                text[retry], errors="coerce", utc=True, format="mixed"
            )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(None)
    return parsed.astype("datetime64[ns]").dt.normalize()


def validate_frame(frame):
    """Check and type an invoice frame; return a :class:`ValidationReport`.

    Rows with missing ids, missing or unparseable dates, a due date before the
    invoice date, a missing, non-numeric, non-finite or negative amount, or a
    duplicate invoice id are rejected (and logged) rather than repaired.
    Raises ``ValueError`` when a required column is absent.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"missing required column(s): {', '.join(missing)}")
    df = frame.reset_index(drop=True)
    problems = []

    def flag(mask, reason):
        if mask.any():
            problems.append(pd.Series(reason, index=df.index[mask]))

    for col in ("invoice_id", "partner_id"):
        flag(_is_blank(df[col]), f"missing {col}")

    dates = {}
    for col in ("invoice_date", "due_date", "paid_date", "disputed_date"):
        if col not in df.columns:
            dates[col] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
            continue
        raw = df[col]
        dates[col] = _parse_dates(raw)
        blank = _is_blank(raw)
        if col in ("invoice_date", "due_date"):
            flag(blank, f"missing {col}")
        flag(dates[col].isna() & ~blank, f"unparseable {col}")
    flag(dates["due_date"] < dates["invoice_date"], "due_date before invoice_date")

    amount = pd.to_numeric(df["amount"], errors="coerce").astype(float)
    blank_amount = _is_blank(df["amount"])
    flag(blank_amount, "missing amount")
    flag(amount.isna() & ~blank_amount, "non-numeric amount")
    flag(np.isinf(amount), "non-finite amount")
    flag(amount < 0, "negative amount")

    bad = pd.Series(False, index=df.index)
    if problems:
        bad.loc[pd.concat(problems).index] = True
    dup = df["invoice_id"].astype(str).duplicated() & ~bad
    flag(dup, "duplicate invoice_id")

    if problems:
        reasons = pd.concat(problems).groupby(level=0).agg("; ".join)
    else:
        reasons = pd.Series(dtype=object)
    rejected = pd.DataFrame(
        {
            "row": frame.index[reasons.index] if len(reasons) else [],
            "invoice_id": df.loc[reasons.index, "invoice_id"].to_numpy(),
            "reason": reasons.to_numpy(),
        }
    )
    keep = ~df.index.isin(reasons.index)

    term_from_dates = (dates["due_date"] - dates["invoice_date"]).dt.days.astype(float)
    if "payment_term_days" in df.columns:
        term = pd.to_numeric(df["payment_term_days"], errors="coerce").astype(float)
        term = term.where(np.isfinite(term) & (term >= 0), term_from_dates)
    else:
        term = term_from_dates
    has_country = "country" in df.columns
    country = (
        df["country"].where(~_is_blank(df["country"]), "unknown").astype(str)
        if has_country
        else pd.Series("unknown", index=df.index)
    )
    clean = pd.DataFrame(
        {
            "invoice_id": df["invoice_id"],
            "partner_id": df["partner_id"],
            "invoice_date": dates["invoice_date"],
            "due_date": dates["due_date"],
            "amount": amount,
            "currency": df["currency"],
            "paid_date": dates["paid_date"],
            "country": country,
            "payment_term_days": term,
            "disputed_date": dates["disputed_date"],
        }
    )[keep].reset_index(drop=True)
    if len(rejected):
        _logger.warning(
            "%d of %d invoices rejected: %s%s",
            len(rejected),
            len(df),
            "; ".join(
                f"{i}: {r}"
                for i, r in zip(
                    rejected.invoice_id[:10], rejected.reason[:10], strict=True
                )
            ),
            " ..." if len(rejected) > 10 else "",
        )
    return ValidationReport(clean=clean, rejected=rejected, has_country=has_country)


def known_outcomes(clean, as_of, censor_days=0):
    """Label the invoices whose lateness is known at ``as_of``.

    Paid before ``as_of``: the outcome is final (``late`` = paid after the due
    date).  Unpaid (or paid later) but already past due: late so far,
    ``days_late`` = ``as_of - due_date``.  Not yet due on ``as_of``: left out,
    *also when already paid* -- keeping only the early payers among the
    not-yet-due invoices would bias the labels toward on-time.  So exactly
    the invoices due before ``as_of`` are labelled (all issued before it).

    ``censor_days`` is the censoring rule of training: only invoices due
    more than that many days before ``as_of`` are labelled, paid or not.  Of an
    invoice due a few days ago and still open it is known that it is late,
    not how late (``days_late`` grows every day), and the freshest invoices
    are those overdue today, the collection priority's business: a model
    calibrated on them reads "overdue now" as "pays late".  Cutting on the due
    date alone, never on the outcome, keeps the on-time/late mix of what is
    kept unbiased (dropping only the open ones would favour early payers).
    Returns the labelled invoices with ``late`` (0/1) and ``days_late``
    (signed days).
    """
    as_of = pd.Timestamp(as_of)
    hist = clean[clean["due_date"] < as_of - pd.Timedelta(days=censor_days)]
    paid = hist["paid_date"].notna() & (hist["paid_date"] < as_of)
    out = hist.copy()
    days = np.where(
        paid,
        (out["paid_date"] - out["due_date"]).dt.days,
        (as_of - out["due_date"]).dt.days,
    )
    out["days_late"] = days.astype(float)
    out["late"] = (out["days_late"] > 0).astype(int)
    return out


def _stream(events, key, values):
    """Per-partner cumulative sums of ``values`` along event date ``key``."""
    ev = events.loc[events[key].notna(), ["pid", key, *values]]
    ev = ev.sort_values(["pid", key], kind="stable")
    grouped = ev.groupby("pid", sort=False)
    out = pd.DataFrame({"pid": ev["pid"], "t": ev[key], "n": grouped.cumcount() + 1.0})
    for col in values:
        out[col] = grouped[col].cumsum()
    return out


def _asof(query, stream, time_col="t"):
    """Latest cumulative stream row strictly before each query's date."""
    right = stream.rename(columns={"t": time_col}).sort_values(time_col, kind="stable")
    left = query[["pos", "pid", time_col]].sort_values(time_col, kind="stable")
    merged = pd.merge_asof(
        left, right, on=time_col, by="pid", allow_exact_matches=False
    )
    return merged.set_index("pos").sort_index().drop(columns=["pid", time_col])


def _expanding_median(events, col):
    """Running per-partner median of ``col`` in the (sorted) order of ``events``."""
    if events.empty:
        return np.array([], dtype=float)
    med = events.groupby("pid", sort=False)[col].expanding().median()
    return med.droplevel(0).reindex(events.index).to_numpy()


def build_features(history, rows, feature_date):
    """Features of ``rows`` as of ``feature_date`` using ``history`` events.

    ``history`` and ``rows`` are validated frames (``rows`` may hold invoices
    not in ``history``, e.g. hypothetical ones); ``feature_date`` is a
    timestamp or a sequence aligned with ``rows``.  Only history events
    strictly before each row's feature date are used, and a row never counts
    towards its own exposure.  Returns a frame aligned with ``rows`` holding
    :data:`NUMERIC_FEATURES`, ``country`` and helper columns used for
    reasons, the prior fallback and partner scoring.
    """
    n = len(rows)
    if np.ndim(feature_date):
        t = pd.Series(pd.to_datetime(np.asarray(feature_date)), index=rows.index)
    else:
        t = pd.Series(pd.Timestamp(feature_date), index=rows.index)
    t = t.astype("datetime64[ns]")
    codes, _ = pd.factorize(
        pd.concat([history["partner_id"], rows["partner_id"]], ignore_index=True)
    )
    hist = history.assign(pid=codes[: len(history)]).reset_index(drop=True)
    query = pd.DataFrame(
        {
            "pos": np.arange(n),
            "pid": codes[len(history) :],
            "t": t.to_numpy(),
            "t_amount": np.minimum(t.to_numpy(), rows["invoice_date"].to_numpy()),
        }
    )

    settle = hist["paid_date"].where(
        hist["paid_date"] > hist["invoice_date"], hist["invoice_date"]
    )
    settle = settle.where(hist["paid_date"].notna())
    due30 = hist["due_date"] + pd.Timedelta(days=OVERDUE_BUCKET_DAYS)
    days_late = (hist["paid_date"] - hist["due_date"]).dt.days.astype(float)
    # final lateness is known the day after the due date: paid by then or not
    late_when_due = (hist["paid_date"].isna() | (days_late > 0)).astype(float)
    hist = hist.assign(
        settle=settle,
        due_settle=np.maximum(hist["due_date"], settle),
        due30=due30,
        due30_settle=np.maximum(due30, settle),
        disputed_known=np.maximum(hist["disputed_date"], hist["invoice_date"]),
        days_late=days_late,
        days_late_sq=days_late**2,
        days_to_settle=(settle - hist["invoice_date"]).dt.days.astype(float),
        late=(days_late > 0).astype(float),
        late_when_due=late_when_due,
        pos_days=days_late.clip(lower=0),
        one=1.0,
    )

    def counts(key):
        found = _asof(query, _stream(hist, key, ["amount"]))
        return found["n"].fillna(0.0).to_numpy(), found["amount"].fillna(0.0).to_numpy()

    issued_n, issued_amt = counts("invoice_date")
    settled_n, settled_amt = counts("settle")
    due = _asof(query, _stream(hist, "due_date", ["amount", "late_when_due"]))
    due_n, due_amt = (
        due["n"].fillna(0.0).to_numpy(),
        due["amount"].fillna(0.0).to_numpy(),
    )
    due_settled_n, due_settled_amt = counts("due_settle")
    due30_n, _ = counts("due30")
    due30_settled_n, _ = counts("due30_settle")
    disputes = (
        _asof(query, _stream(hist, "disputed_known", ["one"]))["n"]
        .fillna(0.0)
        .to_numpy()
    )

    paid = _stream(
        hist,
        "settle",
        ["late", "days_late", "pos_days", "days_late_sq", "days_to_settle"],
    )
    by_pid = paid.groupby("pid", sort=False)
    paid_hist = hist.loc[hist["settle"].notna()].sort_values(
        ["pid", "settle"], kind="stable"
    )
    paid["median_days"] = _expanding_median(paid_hist, "days_late")
    paid["median_settle"] = _expanding_median(paid_hist, "days_to_settle")
    paid["last_n_late"] = paid["late"] - by_pid["late"].shift(LAST_N).fillna(0.0)
    paid["last_n_count"] = paid["n"].clip(upper=LAST_N)
    paid["last_few_days_late"] = paid["days_late"] - by_pid["days_late"].shift(
        LAST_FEW
    ).fillna(0.0)
    paid["last_few_count"] = paid["n"].clip(upper=LAST_FEW)
    recent = (
        paid_hist.groupby("pid", sort=False)["late"]
        .ewm(halflife=RECENT_HALFLIFE)
        .mean()
    )
    paid["recent_late"] = recent.droplevel(0).reindex(paid_hist.index).to_numpy()
    paid["last_paid"] = paid["t"]
    ph = _asof(query, paid)
    late_before_window = _asof(
        query.assign(t=query["t"] - pd.Timedelta(days=RECENT_DAYS)), paid
    )["late"]

    issued = hist.loc[:, ["pid", "invoice_date", "amount"]].sort_values(
        ["pid", "invoice_date"], kind="stable"
    )
    median_amount = pd.DataFrame(
        {
            "pid": issued["pid"],
            "t_amount": issued["invoice_date"],
            "median_amount": _expanding_median(issued, "amount"),
        }
    )
    usual = _asof(query, median_amount, time_col="t_amount")["median_amount"].to_numpy()

    # a row already in the history must not count towards its own exposure
    r_inv = rows["invoice_date"].to_numpy()
    r_due = rows["due_date"].to_numpy()
    r_paid = rows["paid_date"].to_numpy()
    r_settle = np.where(r_paid > r_inv, r_paid, r_inv)
    tv = t.to_numpy()
    own_open = (r_inv < tv) & (np.isnat(r_paid) | (r_settle >= tv))
    own_overdue = own_open & (r_due < tv)
    own_30 = own_open & (r_due + np.timedelta64(OVERDUE_BUCKET_DAYS, "D") < tv)
    amount = rows["amount"].to_numpy(dtype=float)
    r_disp = np.maximum(rows["disputed_date"].to_numpy(), r_inv)
    own_disp_counted = ~np.isnat(r_disp) & (r_disp < tv)
    own_disp_known = ~np.isnat(r_disp) & (r_disp <= tv)

    hist_n = ph["n"].fillna(0.0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        late_share = ph["late"].to_numpy() / hist_n
        mean_days = ph["days_late"].to_numpy() / hist_n
        var_days = ph["days_late_sq"].to_numpy() / hist_n - mean_days**2
        std_days = np.where(hist_n >= 2, np.sqrt(np.clip(var_days, 0.0, None)), np.nan)
        ratio = amount / usual
    ratio[~np.isfinite(ratio)] = np.nan
    first_invoice = hist.groupby("pid")["invoice_date"].min()
    if (
        first_invoice.empty
    ):  # nobody has a history yet (mapping on nothing gives no datetimes)
        first = np.full(len(query), np.datetime64("NaT"), dtype=tv.dtype)
    else:
        first = pd.Series(query["pid"]).map(first_invoice).to_numpy()
    tenure = np.where(first < tv, (tv - first) / np.timedelta64(1, "D"), 0.0)

    feats = pd.DataFrame(
        {
            "hist_paid_count": hist_n,
            "hist_late_share": late_share,
            "hist_mean_days_late": mean_days,
            "hist_median_days_late": ph["median_days"].to_numpy(),
            "hist_mean_pos_days_late": ph["pos_days"].to_numpy() / hist_n,
            "hist_std_days_late": std_days,
            "hist_mean_days_to_settle": ph["days_to_settle"].to_numpy() / hist_n,
            "hist_median_days_to_settle": ph["median_settle"].to_numpy(),
            "last_few_mean_days_late": ph["last_few_days_late"].to_numpy()
            / ph["last_few_count"].to_numpy(),
            "recent_late_share": ph["recent_late"].to_numpy(),
            "late_last_90_count": ph["late"].fillna(0.0).to_numpy()
            - late_before_window.fillna(0.0).to_numpy(),
            "days_since_last_payment": (tv - ph["last_paid"].to_numpy())
            / np.timedelta64(1, "D"),
            "last_n_late_share": ph["last_n_late"].to_numpy()
            / ph["last_n_count"].to_numpy(),
            "open_count": issued_n - settled_n - own_open,
            "open_amount": np.round(issued_amt - settled_amt - own_open * amount, 2),
            "overdue_count": due_n - due_settled_n - own_overdue,
            "overdue_amount": np.round(
                due_amt - due_settled_amt - own_overdue * amount, 2
            ),
            "overdue_30_count": due30_n - due30_settled_n - own_30,
            "log_amount": np.log1p(amount),
            "amount_ratio": ratio,
            "tenure_days": np.nan_to_num(tenure, nan=0.0),
            "payment_term_days": rows["payment_term_days"].to_numpy(dtype=float),
            "disputed": own_disp_known.astype(float),
            "hist_dispute_count": disputes - own_disp_counted,
            "country": rows["country"].astype(str).to_numpy(),
            # helper columns
            "hist_late_count": ph["late"].fillna(0.0).to_numpy(),
            "hist_pos_days_sum": ph["pos_days"].fillna(0.0).to_numpy(),
            "last_n_late": ph["last_n_late"].fillna(0.0).to_numpy(),
            "last_n_count": ph["last_n_count"].fillna(0.0).to_numpy(),
            "due_count": due_n,
            "due_late_count": due["late_when_due"].fillna(0.0).to_numpy(),
            "usual_amount": usual,
            "amount": amount,
            "days_overdue": np.where(
                own_overdue, (tv - r_due) / np.timedelta64(1, "D"), 0.0
            ),
        },
        index=rows.index,
    )
    for col in (
        "open_amount",
        "overdue_amount",
        "open_count",
        "overdue_count",
        "overdue_30_count",
    ):
        feats[col] = feats[col].clip(lower=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        feats["known_late_share"] = (
            feats["hist_late_count"] + feats["overdue_count"]
        ) / (hist_n + feats["overdue_count"])
    return feats
