# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
import logging
import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, formatLang

from .. import engine, risk
from ..risk import reasons as R

_logger = logging.getLogger(__name__)

# the columns the risk package requires, then the optional ones the extraction fills
FRAME_COLUMNS = (*risk.features.REQUIRED_COLUMNS, "country", "disputed_date")
PARTNER_RISK_FIELDS = (
    "dunning_risk_score",
    "dunning_risk_band",
    "dunning_expected_days_late",
    "dunning_priority",
    "dunning_segment",
    "dunning_risk_reason_data",
    "dunning_risk_date",
)
INVOICE_RISK_FIELDS = (
    "dunning_late_probability",
    "dunning_expected_pay_date",
    "dunning_risk_reason_data",
)
# Why there is nothing to learn from at all (the package's FALLBACK_* codes cover the
# rest).
FALLBACK_NO_INVOICE = "no_invoice"


def single_threaded():
    """Run scikit-learn's OpenMP code on one thread: Odoo scales with worker processes,
    and per-process thread pools competing for the same cores make training many times
    slower."""
    return threadpool_limits(limits=1, user_api="openmp")


def _finite(values):
    """``values`` as a float array, 0 where a value is missing, NaN or infinite."""
    values = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(values), values, 0.0)


def _dates(values):
    """``values`` (datetimes, NaT) as a list of dates and None."""
    return [value.date() if pd.notna(value) else None for value in values]


def _reason_data(reasons, fallback):
    """What the scores rest on, as stored: JSON of the reason codes with their
    parameters and the fallback code (None when the model was used). Worded at display
    time, in the reader's language."""
    return [
        json.dumps({"fallback": fallback, "reasons": list(lines)}) for lines in reasons
    ]


class DunningRiskScoring(models.AbstractModel):
    """Feeds each company's invoice history to the risk package, stores its scores."""

    _name = "dunning.risk.scoring"
    _description = "Dunning Risk Scoring"

    # ------------------------------------------------------------------
    # ENTRY POINTS
    # ------------------------------------------------------------------

    @api.model
    def action_retrain_current_company(self):
        """Retrain the risk model on the current company's history and rescore it
        (accounting managers).

        Runs as superuser once the user is checked, as the weekly cron does: scoring
        writes on every customer and open invoice of the company, whoever may read them.
        """
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(
                self.env._(
                    "Only accounting managers can retrain the late-payment risk model."
                )
            )
        result = self.sudo()._score_company(self.env.company)
        worklist = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_automation.action_dunning_worklist"
        )
        return self._retrain_notification(result, next_action=worklist)

    @api.model
    def _retrain_notification(self, result, next_action=None):
        """Client action telling the user what ``_score_company`` returned."""
        message = self.env._(
            "%(partners)s customers and %(invoices)s open invoices scored in "
            "%(seconds)s s.",
            **result,
        )
        if result["rejected"]:
            message += " " + self.env._(
                "%(rejected)s invoices with invalid data were left out.", **result
            )
        if result["fallback"]:
            message += " " + self.env._(
                "Simple estimates only: %(fallback)s.",
                fallback=self._risk_fallback_text(result["fallback"]),
            )
        params = {
            "message": message,
            "type": "warning" if result["fallback"] else "success",
        }
        if next_action:
            params["next"] = next_action
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": params,
        }

    @api.model
    def _cron_score_companies(self):
        """Scheduled action: retrain and score every company on its own history."""
        companies = self.env["res.company"].search([], limit=None)
        for done, company in enumerate(companies, start=1):
            try:
                with self.env.cr.savepoint():
                    self._score_company(company)
            except Exception:
                _logger.exception("Risk scoring failed for company %s", company.name)
            if not self.env["ir.cron"]._commit_progress(
                1, remaining=len(companies) - done
            ):
                break

    # ------------------------------------------------------------------
    # EXTRACTION
    # ------------------------------------------------------------------

    @api.model
    def _invoice_frame(self, company):
        """Customer invoices of ``company`` posted before today with their paid date, in
        one query.

        Amounts are in company currency; the partner is the commercial partner. An
        invoice is paid on the date of the last reconciliation of its receivable lines
        with payments and credit notes, and only once fully paid. Exchange difference
        entries are left out: Odoo dates them when the reconciliation is made, on the
        last day of the payment's month once that month is over. An invoice is disputed
        from the day of its first portal dispute, whatever became of it. Invoices fully
        reversed by a credit note and customers excluded from scoring are left out.
        """
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT move.id AS invoice_id,
                       partner.commercial_partner_id AS partner_id,
                       move.invoice_date,
                       move.invoice_date_due AS due_date,
                       move.amount_total_signed AS amount,
                       currency.name AS currency,
                       CASE WHEN move.payment_state IN %(paid)s
                            THEN settled.paid_date
                        END AS paid_date,
                       country.code AS country,
                       disputed.disputed_date
                  FROM account_move move
                  JOIN res_partner partner ON partner.id = move.partner_id
                  JOIN res_partner commercial
                    ON commercial.id = partner.commercial_partner_id
                  JOIN res_currency currency ON currency.id = move.currency_id
             LEFT JOIN res_country country ON country.id = commercial.country_id
             LEFT JOIN (
                       SELECT line.move_id, MAX(partial.max_date) AS paid_date
                         FROM account_move_line line
                         JOIN account_partial_reconcile partial
                           ON partial.debit_move_id = line.id
                         JOIN account_move_line counterpart
                           ON counterpart.id = partial.credit_move_id
                        WHERE line.company_id = %(company)s
                          AND line.display_type = 'payment_term'
                          AND NOT EXISTS (
                              SELECT 1 FROM account_partial_reconcile exchange
                               WHERE exchange.exchange_move_id = counterpart.move_id
                          )
                     GROUP BY line.move_id
                       ) settled ON settled.move_id = move.id
             LEFT JOIN (
                       SELECT move_id, MIN(create_date)::date AS disputed_date
                         FROM dunning_dispute
                        WHERE company_id = %(company)s
                     GROUP BY move_id
                       ) disputed ON disputed.move_id = move.id
                 WHERE move.company_id = %(company)s
                   AND move.move_type = 'out_invoice'
                   AND move.state = %(posted)s
                   AND move.invoice_date < %(today)s
                   AND move.payment_state NOT IN %(no_history)s
                   AND commercial.dunning_risk_excluded IS NOT TRUE
                 ORDER BY move.id
                """,
                company=company.id,
                today=fields.Date.context_today(self),
                paid=engine.PAID_PAYMENT_STATES,
                posted=engine.POSTED_STATE,
                no_history=engine.NO_HISTORY_PAYMENT_STATES,
            )
        )
        return pd.DataFrame.from_records(self.env.cr.fetchall(), columns=FRAME_COLUMNS)

    # ------------------------------------------------------------------
    # SCORING
    # ------------------------------------------------------------------

    @api.model
    def _score_company(self, company):
        """Fit the model on ``company``'s history, then store partner and invoice
        scores.

        :return: dict with ``partners``, ``invoices`` (counts scored), ``rejected``
            (invoices refused by validation), ``fallback`` (why the model fell back to
            prior scores: a ``(code, params)`` pair, see :meth:`_risk_fallback_text`; or
            False) and ``seconds``.
        """
        start = time.perf_counter()
        today = fields.Date.context_today(self)
        report = risk.validate_frame(self._invoice_frame(company))
        result = {
            "partners": 0,
            "invoices": 0,
            "rejected": len(report.rejected),
            "fallback": False,
        }
        if report.clean.empty:
            result["fallback"] = (FALLBACK_NO_INVOICE, {})
            self._clear_scores(company, scored_partner_ids=[], scored_move_ids=[])
        else:
            with single_threaded():
                model = risk.LatePaymentModel().fit(report.clean, today)
                invoices = model.predict(report.clean, today)
                partners = model.score_partners(
                    report.clean, today, invoice_scores=invoices
                )
            result.update(
                partners=len(partners),
                invoices=len(invoices),
                fallback=model.fallback_reason_ or False,
            )
            self._write_partner_scores(company, partners, model.fallback_reason_, today)
            self._write_invoice_scores(invoices, model.fallback_reason_)
            self._clear_scores(
                company,
                scored_partner_ids=partners.index.tolist(),
                scored_move_ids=invoices.index.tolist(),
            )
        result["seconds"] = round(time.perf_counter() - start, 2)
        _logger.info("Risk scoring of %s: %s", company.name, result)
        return result

    # ------------------------------------------------------------------
    # WORDING: the risk package's codes in the reader's language
    # ------------------------------------------------------------------

    def _risk_reason_labels(self):
        """Wording of each reason code; :meth:`_risk_params` formats its parameters."""
        return {
            R.REASON_DAYS_OVERDUE: self.env._("already %(days)s days overdue"),
            R.REASON_LATE_OF_LAST: self.env._(
                "paid %(late)s of its last %(count)s invoices late"
            ),
            R.REASON_NO_HISTORY: self.env._("no payment history yet"),
            R.REASON_MEAN_DAYS_LATE: self.env._("pays %(days)s days late on average"),
            R.REASON_RECENT_LATE: self.env._(
                "invoices paid late in the last %(days)s days: %(count)s"
            ),
            R.REASON_NO_PAYMENT: self.env._("no payment received yet"),
            R.REASON_NO_PAYMENT_FOR: self.env._(
                "no payment received for %(days)s days"
            ),
            R.REASON_OVERDUE_30: self.env._(
                "invoices already 30+ days overdue: %(count)s"
            ),
            R.REASON_OVERDUE: self.env._(
                "overdue invoices: %(count)s (%(amount)s in total)"
            ),
            # (one, several): chosen on the count
            R.REASON_OPEN_EXPOSURE: (
                self.env._("%(amount)s already open on one invoice"),
                self.env._("%(amount)s already open across %(count)s invoices"),
            ),
            R.REASON_NO_AMOUNT_REFERENCE: self.env._(
                "no earlier invoice to compare the amount with"
            ),
            R.REASON_AMOUNT_RATIO: self.env._("amount is %(ratio)sx its usual invoice"),
            R.REASON_AMOUNT_RANGE: self.env._(
                "invoice amount (%(amount)s) is in a range that often pays late"
            ),
            R.REASON_FIRST_INVOICE: self.env._("first invoice from this customer"),
            R.REASON_NEW_CUSTOMER: self.env._(
                "new customer (first invoice %(days)s days ago)"
            ),
            R.REASON_TENURE: self.env._("customer for %(years)s years"),
            R.REASON_NO_PAID_INVOICE: self.env._("no paid invoice on record yet"),
            R.REASON_PAID_INVOICES: self.env._("paid invoices on record: %(count)s"),
            R.REASON_TERMS: self.env._("payment terms of %(days)s days"),
            R.REASON_DISPUTED: self.env._("invoice is disputed"),
            R.REASON_DISPUTE_HISTORY: self.env._(
                "earlier invoices disputed: %(count)s"
            ),
            R.REASON_COUNTRY: self.env._(
                "customers in %(country)s pay late more often"
            ),
            R.REASON_CLOSE_TO_PORTFOLIO: self.env._(
                "little payment history: estimate is close to the portfolio late rate "
                "(%(rate)s)"
            ),
            R.REASON_NO_RISK_FACTOR: self.env._(
                "no risk factor above the portfolio average"
            ),
            R.REASON_PORTFOLIO_AVERAGE: self.env._(
                "no payment history yet: portfolio average (%(rate)s paid late)"
            ),
        }

    def _risk_fallback_labels(self):
        """Wording of each reason why the scores are the customers' own history."""
        return {
            FALLBACK_NO_INVOICE: self.env._("no valid posted customer invoice"),
            R.FALLBACK_INSUFFICIENT_DATA: self.env._(
                "not enough history: %(n_labelled)s invoices due more than "
                "%(censor_days)s days ago, %(min_labelled)s needed"
            ),
            R.FALLBACK_NO_LATE: self.env._("no invoice was ever paid late"),
            R.FALLBACK_ALL_LATE: self.env._(
                "every invoice paid or overdue so far was late"
            ),
            R.FALLBACK_FEW_LATE: self.env._(
                "only %(count)s invoices paid late, %(min_per_class)s needed"
            ),
            R.FALLBACK_FEW_ON_TIME: self.env._(
                "only %(count)s invoices paid on time, %(min_per_class)s needed"
            ),
            R.FALLBACK_SINGLE_CUSTOMER: self.env._(
                "a single customer: the model learns from several"
            ),
            R.FALLBACK_CANNOT_CHECK: self.env._(
                "too few recent invoices to check the model on: %(n_valid)s, of which "
                "%(n_late)s late (%(min_valid)s needed, at least %(min_per_class)s "
                "late and %(min_per_class)s on time)"
            ),
            R.FALLBACK_MODEL_ADDS_NOTHING: self.env._(
                "on the %(n_valid)s most recent invoices the model added nothing to "
                "the customers' own history"
            ),
            R.FALLBACK_BASELINE_BETTER: self.env._(
                "on the %(n_valid)s most recent invoices the customers' own late rates "
                "predicted better (Brier score %(baseline_brier)s) than the model "
                "(%(model_brier)s)"
            ),
        }

    def _risk_params(self, params):
        """``params`` of a code formatted in the reader's language (amounts, rates)."""
        digits = {"ratio": 1, "years": 1, "baseline_brier": 3, "model_brier": 3}
        formatted = {}
        for key, value in params.items():
            if key == "rate":
                formatted[key] = (
                    formatLang(self.env, value * 100, digits=0) + "\N{NO-BREAK SPACE}%"
                )
            elif isinstance(value, (int, float)):
                formatted[key] = formatLang(self.env, value, digits=digits.get(key, 0))
            else:
                formatted[key] = value
        return formatted

    def _risk_text(self, labels, code, params):
        label = labels.get(code)
        if isinstance(label, tuple):
            label = label[(params or {}).get("count") != 1]
        return label % self._risk_params(params or {}) if label else code

    def _risk_fallback_text(self, fallback):
        """``fallback`` (a ``(code, params)`` pair) worded for the reader."""
        return self._risk_text(self._risk_fallback_labels(), *fallback)

    def _risk_reason_lines(self, data):
        """The reasons of stored ``data`` (see ``_reason_data``) worded for the reader,
        one per line."""
        labels = self._risk_reason_labels()
        return [
            self._risk_text(labels, code, params)
            for code, params in (data or {}).get("reasons", ())
        ]

    def _risk_fallback_note(self, data):
        """The sentence saying the stored ``data`` rests on the customers' own history,
        or False."""
        fallback = (data or {}).get("fallback")
        if not fallback:
            return False
        return self.env._(
            "Simple estimate from the customer's own history, not the full model: "
            "%(reason)s.",
            reason=self._risk_fallback_text(fallback),
        )

    def _write_partner_scores(self, company, scores, fallback_reason, today):
        """Store the customers' scores in one query; priority = late probability x
        overdue amount x days overdue.

        The score and band describe how the customer pays; how overdue it is today only
        drives the priority.

        The fields are company-dependent (a JSON object per column, keyed by company
        id): the company's key is set in each of them for all the customers at once,
        where ``write`` would go through the customers one by one (a read and a write
        each).
        """
        if scores.empty:
            return
        columns = {
            "dunning_risk_score": (
                "int4",
                _finite(scores["risk_score"]).astype(int).tolist(),
            ),
            "dunning_risk_band": ("varchar", scores["risk_band"].tolist()),
            "dunning_expected_days_late": (
                "float8",
                _finite(scores["expected_days_late"]).tolist(),
            ),
            "dunning_priority": (
                "float8",
                np.round(
                    _finite(scores["late_probability"])
                    * _finite(scores["overdue_amount"])
                    * _finite(scores["days_overdue"]),
                    0,
                ).tolist(),
            ),
            "dunning_segment": ("varchar", scores["segment"].tolist()),
            "dunning_risk_reason_data": (
                "text",
                _reason_data(scores["reasons"], fallback_reason),
            ),
            "dunning_risk_date": ("date", [today] * len(scores)),
        }
        Partner = self.env["res.partner"]
        Partner.flush_model(PARTNER_RISK_FIELDS)
        company_key = str(company.id)
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner AS partner
                  SET %(assignments)s,
                      write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
                 FROM unnest(%(ids)s::int[], %(arrays)s) AS scored(id, %(names)s)
                WHERE partner.id = scored.id""",
                assignments=SQL(", ").join(
                    SQL(
                        "%(column)s = COALESCE(partner.%(column)s, '{}'::jsonb)"
                        " || jsonb_build_object(%(key)s::text, scored.%(column)s)",
                        column=SQL.identifier(name),
                        key=company_key,
                    )
                    for name in columns
                ),
                uid=self.env.uid,
                ids=[int(partner_id) for partner_id in scores.index],
                arrays=SQL(", ").join(
                    SQL("%s::%s[]", values, SQL(sql_type))
                    for sql_type, values in columns.values()
                ),
                names=SQL(", ").join(SQL.identifier(name) for name in columns),
            )
        )
        Partner.invalidate_model(PARTNER_RISK_FIELDS + ("write_uid", "write_date"))

    def _write_invoice_scores(self, invoices, fallback_reason=None):
        """Store the open invoices' late probability, expected payment date and reasons
        in one query.

        Written without ``account.move.write`` (journal item synchronisation, tracking,
        checks of posted entries): these are no accounting data, and a company has
        thousands of open invoices.
        """
        if invoices.empty:
            return
        Move = self.env["account.move"]
        Move.flush_model(INVOICE_RISK_FIELDS)
        self.env.cr.execute(
            SQL(
                """UPDATE account_move AS move
                  SET dunning_late_probability = scored.probability,
                      dunning_expected_pay_date = scored.pay_date,
                      dunning_risk_reason_data = scored.reasons,
                      write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
                 FROM unnest(%(ids)s::int[], %(probabilities)s::numeric[],
                             %(dates)s::date[], %(reasons)s::jsonb[])
                      AS scored(id, probability, pay_date, reasons)
                WHERE move.id = scored.id""",
                uid=self.env.uid,
                ids=[int(move_id) for move_id in invoices.index],
                probabilities=np.round(
                    _finite(invoices["late_probability"]), 2
                ).tolist(),
                dates=_dates(invoices["expected_pay_date"]),
                reasons=_reason_data(invoices["reasons"], fallback_reason),
            )
        )
        Move.invalidate_model(INVOICE_RISK_FIELDS + ("write_uid", "write_date"))

    def _clear_scores(self, company, scored_partner_ids, scored_move_ids):
        """Clear the scores of customers and invoices left out (paid, excluded...)."""
        Partner = (
            self.env["res.partner"]
            .with_company(company)
            .with_context(active_test=False)
        )
        Partner.search(
            [("dunning_risk_date", "!=", False), ("id", "not in", scored_partner_ids)]
        ).write(dict.fromkeys(PARTNER_RISK_FIELDS, False))
        Move = self.env["account.move"]
        Move.flush_model(INVOICE_RISK_FIELDS)
        self.env.cr.execute(
            SQL(
                """UPDATE account_move
                  SET dunning_late_probability = NULL,
                      dunning_expected_pay_date = NULL,
                      dunning_risk_reason_data = NULL,
                      write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
                WHERE company_id = %(company)s
                  AND (dunning_expected_pay_date IS NOT NULL
                       OR dunning_risk_reason_data IS NOT NULL)
                  AND id != ALL(%(scored)s::int[])""",
                uid=self.env.uid,
                company=company.id,
                scored=[int(move_id) for move_id in scored_move_ids],
            )
        )
        Move.invalidate_model(INVOICE_RISK_FIELDS + ("write_uid", "write_date"))
