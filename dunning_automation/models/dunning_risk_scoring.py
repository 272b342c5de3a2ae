# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import math
import time
from collections import defaultdict

import pandas as pd
from threadpoolctl import threadpool_limits

from odoo import api, fields, models
from odoo.tools import SQL

from .. import risk
from .res_partner import RISK_SEGMENTS

_logger = logging.getLogger(__name__)

FRAME_COLUMNS = ("invoice_id", "partner_id", "invoice_date", "due_date", "amount", "currency", "paid_date", "country")
PARTNER_RISK_FIELDS = (
    "dunning_risk_score",
    "dunning_risk_band",
    "dunning_expected_days_late",
    "dunning_priority",
    "dunning_segment",
    "dunning_risk_reasons",
    "dunning_risk_date",
)
SEGMENT_KEYS = {key for key, _label in RISK_SEGMENTS}


def single_threaded():
    """Run scikit-learn's OpenMP code on one thread: Odoo scales with worker processes, and
    per-process thread pools competing for the same cores make training many times slower."""
    return threadpool_limits(limits=1, user_api="openmp")


def _finite(value, default=0.0):
    """``value`` as a float, ``default`` when it is missing, NaN or infinite."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default


class DunningRiskScoring(models.AbstractModel):
    """Feeds each company's invoice history to the risk package and stores its scores."""

    _name = "dunning.risk.scoring"
    _description = "Dunning Risk Scoring"

    # ------------------------------------------------------------------
    # ENTRY POINTS
    # ------------------------------------------------------------------

    @api.model
    def _cron_score_companies(self):
        """Scheduled action: retrain and score every company on its own history."""
        companies = self.env["res.company"].search([])
        for done, company in enumerate(companies, start=1):
            try:
                with self.env.cr.savepoint():
                    self._score_company(company)
            except Exception:
                _logger.exception("Risk scoring failed for company %s", company.name)
            if not self.env["ir.cron"]._commit_progress(1, remaining=len(companies) - done):
                break

    # ------------------------------------------------------------------
    # EXTRACTION
    # ------------------------------------------------------------------

    @api.model
    def _invoice_frame(self, company):
        """Customer invoices of ``company`` posted before today with their paid date, in one query.

        Amounts are in company currency; the partner is the commercial partner. An invoice is
        paid on the date of the last reconciliation of its receivable lines (payments and
        credit notes alike), and only once fully paid. Invoices fully reversed by a credit
        note and customers excluded from scoring are left out.
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
                       CASE WHEN move.payment_state IN ('paid', 'in_payment') THEN settled.paid_date END AS paid_date,
                       country.code AS country
                  FROM account_move move
                  JOIN res_partner partner ON partner.id = move.partner_id
                  JOIN res_partner commercial ON commercial.id = partner.commercial_partner_id
                  JOIN res_currency currency ON currency.id = move.currency_id
             LEFT JOIN res_country country ON country.id = commercial.country_id
             LEFT JOIN (
                       SELECT line.move_id, MAX(partial.max_date) AS paid_date
                         FROM account_move_line line
                         JOIN account_partial_reconcile partial ON partial.debit_move_id = line.id
                        WHERE line.company_id = %(company)s
                          AND line.display_type = 'payment_term'
                     GROUP BY line.move_id
                       ) settled ON settled.move_id = move.id
                 WHERE move.company_id = %(company)s
                   AND move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.invoice_date < %(today)s
                   AND move.payment_state NOT IN ('reversed', 'invoicing_legacy')
                   AND commercial.dunning_risk_excluded IS NOT TRUE
                 ORDER BY move.id
                """,
                company=company.id,
                today=fields.Date.context_today(self),
            )
        )
        return pd.DataFrame.from_records(self.env.cr.fetchall(), columns=FRAME_COLUMNS)

    # ------------------------------------------------------------------
    # SCORING
    # ------------------------------------------------------------------

    @api.model
    def _score_company(self, company):
        """Fit the model on ``company``'s history, then store partner and invoice scores.

        :return: dict with ``partners``, ``invoices`` (counts scored), ``rejected`` (invoices
            refused by validation), ``fallback`` (why the model fell back to prior scores, or
            False) and ``seconds``.
        """
        start = time.perf_counter()
        today = fields.Date.context_today(self)
        report = risk.validate_frame(self._invoice_frame(company))
        result = {"partners": 0, "invoices": 0, "rejected": len(report.rejected), "fallback": False}
        if report.clean.empty:
            result["fallback"] = self.env._("insufficient data: no valid posted customer invoice")
            self._clear_scores(company, scored_partner_ids=[], scored_move_ids=[])
        else:
            with single_threaded():
                model = risk.LatePaymentModel().fit(report.clean, today)
                invoices = model.predict(report.clean, today, reasons=False)
                partners = model.score_partners(report.clean, today)
            result.update(
                partners=len(partners), invoices=len(invoices), fallback=model.fallback_reason_ or False
            )
            self._write_partner_scores(company, partners, invoices, model.fallback_reason_, today)
            self._write_invoice_scores(invoices)
            self._clear_scores(company, scored_partner_ids=partners.index.tolist(), scored_move_ids=invoices.index.tolist())
        result["seconds"] = round(time.perf_counter() - start, 2)
        _logger.info("Risk scoring of %s: %s", company.name, result)
        return result

    def _write_partner_scores(self, company, scores, invoices, fallback_reason, today):
        """Store the customers' scores; priority = late probability x overdue amount x days overdue."""
        days_overdue = invoices.groupby("partner_id")["days_overdue"].max()
        note = (
            [self.env._("Insufficient data for the model (%(reason)s).", reason=fallback_reason)]
            if fallback_reason
            else []
        )
        Partner = self.env["res.partner"].with_company(company)
        for partner_id, row in scores.iterrows():
            probability = _finite(row["late_probability"])
            segment = str(row["segment"]).replace(" ", "_")
            Partner.browse(int(partner_id)).write({
                "dunning_risk_score": int(_finite(row["risk_score"])),
                "dunning_risk_band": row["risk_band"],
                "dunning_expected_days_late": _finite(row["expected_days_late"]),
                "dunning_priority": round(
                    probability * _finite(row["overdue_amount"]) * _finite(days_overdue.get(partner_id)), 0
                ),
                "dunning_segment": segment if segment in SEGMENT_KEYS else False,
                "dunning_risk_reasons": "\n".join(note + list(row["reasons"])),
                "dunning_risk_date": today,
            })

    def _write_invoice_scores(self, invoices):
        """Store the open invoices' predictions, one write per (probability, pay date) pair."""
        move_ids = defaultdict(list)
        for move_id, probability, pay_date in zip(
            invoices.index, invoices["late_probability"], invoices["expected_pay_date"]
        ):
            key = (round(_finite(probability), 2), pay_date.date() if pd.notna(pay_date) else False)
            move_ids[key].append(int(move_id))
        for (probability, pay_date), ids in move_ids.items():
            self.env["account.move"].browse(ids).write(
                {"dunning_late_probability": probability, "dunning_expected_pay_date": pay_date}
            )

    def _clear_scores(self, company, scored_partner_ids, scored_move_ids):
        """Clear the scores of customers and invoices this scoring did not cover (paid, excluded...)."""
        Partner = self.env["res.partner"].with_company(company).with_context(active_test=False)
        Partner.search([("dunning_risk_date", "!=", False), ("id", "not in", scored_partner_ids)]).write(
            dict.fromkeys(PARTNER_RISK_FIELDS, False)
        )
        self.env["account.move"].search([
            ("company_id", "=", company.id),
            ("dunning_expected_pay_date", "!=", False),
            ("id", "not in", scored_move_ids),
        ]).write({"dunning_late_probability": 0.0, "dunning_expected_pay_date": False})
