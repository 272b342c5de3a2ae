# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.tools import SQL

from .. import engine
from ..analytics.kpi import AGING_BUCKETS

AGING_BUCKET_SELECTION = [
    ("not_due", "Not Due"),
    ("1_30", "1-30 Days"),
    ("31_60", "31-60 Days"),
    ("61_90", "61-90 Days"),
    ("90_plus", "Over 90 Days"),
]
REPORT_DATE_KEY = "dunning_report_date"


def aging_bucket_sql(days_overdue):
    """The SQL CASE of ``analytics.kpi.AGING_BUCKETS`` (one definition of the
    buckets) on the SQL expression ``days_overdue``."""
    whens = [
        SQL("WHEN %s <= %s THEN %s", days_overdue, last, code)
        for code, _first, last in AGING_BUCKETS
        if last is not None
    ]
    return SQL("CASE %s ELSE %s END", SQL(" ").join(whens), AGING_BUCKETS[-1][0])


def company_value_sql(column, company):
    """The value of a company-dependent column (jsonb keyed by company id)."""
    return SQL("(%s ->> %s::text)", column, company)


class DunningReportAging(models.Model):
    """Receivable items open on the report date, by aging bucket: what is owed, by
    whom, how late. The report date comes from the context (``dunning_report_date``),
    so the same view answers "as of the end of last month"; its rows are keyed by
    item, so code reading two dates in one transaction invalidates the model's cache
    in between."""

    _name = "dunning.report.aging"
    _description = "Dunning Aging Report"
    _auto = False
    _order = "days_overdue desc, id"
    _rec_name = "move_id"
    # the searches flush these first (the report reads them in SQL)
    _depends = {
        "account.move.line": [
            "move_id",
            "company_id",
            "partner_id",
            "account_id",
            "currency_id",
            "date",
            "date_maturity",
            "balance",
            "amount_currency",
            "reconciled",
            "parent_state",
        ],
        "account.move": ["invoice_date", "dunning_level_id"],
        "account.partial.reconcile": [
            "debit_move_id",
            "credit_move_id",
            "amount",
            "debit_amount_currency",
            "credit_amount_currency",
            "max_date",
        ],
    }

    move_line_id = fields.Many2one("account.move.line", string="Item", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    risk_band = fields.Selection(
        lambda self: self.env["res.partner"]._fields["dunning_risk_band"].selection,
        readonly=True,
    )
    segment = fields.Selection(
        lambda self: self.env["res.partner"]._fields["dunning_segment"].selection,
        readonly=True,
    )
    level_id = fields.Many2one("dunning.level", string="Dunning Level", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Date(string="Invoice Date", readonly=True)
    date_due = fields.Date(string="Due Date", readonly=True)
    report_date = fields.Date(readonly=True)
    days_overdue = fields.Integer(readonly=True, aggregator="max")
    aging_bucket = fields.Selection(AGING_BUCKET_SELECTION, readonly=True)
    residual = fields.Monetary(
        string="Open (Company Currency)",
        currency_field="company_currency_id",
        readonly=True,
    )
    residual_currency = fields.Monetary(
        string="Open (Invoice Currency)",
        currency_field="currency_id",
        readonly=True,
        # never summed across currencies: group by currency to read a total
        aggregator=None,
    )

    @api.model
    def _report_date(self):
        return fields.Date.to_date(
            self.env.context.get(REPORT_DATE_KEY)
        ) or fields.Date.context_today(self)

    @property
    def _table_query(self):
        return self._aging_query(self._report_date())

    @api.model
    def _aging_query(self, day, company_ids=None):
        """One row per receivable item open on ``day``: its residual then is its
        balance less the reconciliations dated on or before ``day``."""
        due = self.env["account.move.line"]._dunning_due_date_sql("line", "move")
        company_filter = (
            SQL("AND line.company_id IN %s", tuple(company_ids))
            if company_ids
            else SQL()
        )
        return SQL(
            """
            SELECT line.id AS id,
                   line.id AS move_line_id,
                   line.move_id,
                   line.company_id,
                   partner.id AS partner_id,
                   %(collector)s::int AS collector_id,
                   %(risk_band)s AS risk_band,
                   %(segment)s AS segment,
                   move.dunning_level_id AS level_id,
                   line.currency_id,
                   company.currency_id AS company_currency_id,
                   move.invoice_date AS date,
                   %(due)s AS date_due,
                   %(day)s::date AS report_date,
                   GREATEST(%(day)s::date - %(due)s, 0) AS days_overdue,
                   %(bucket)s AS aging_bucket,
                   line.balance - COALESCE(debit.amount, 0)
                       + COALESCE(credit.amount, 0) AS residual,
                   line.amount_currency - COALESCE(debit.amount_currency, 0)
                       + COALESCE(credit.amount_currency, 0) AS residual_currency
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
              JOIN account_account account ON account.id = line.account_id
              JOIN res_company company ON company.id = line.company_id
              JOIN res_partner line_partner ON line_partner.id = line.partner_id
              JOIN res_partner partner
                ON partner.id = line_partner.commercial_partner_id
         LEFT JOIN LATERAL (
                   SELECT SUM(p.amount) AS amount,
                          SUM(p.debit_amount_currency) AS amount_currency
                     FROM account_partial_reconcile p
                    WHERE p.debit_move_id = line.id AND p.max_date <= %(day)s
                   ) debit ON TRUE
         LEFT JOIN LATERAL (
                   SELECT SUM(p.amount) AS amount,
                          SUM(p.credit_amount_currency) AS amount_currency
                     FROM account_partial_reconcile p
                    WHERE p.credit_move_id = line.id AND p.max_date <= %(day)s
                   ) credit ON TRUE
             WHERE line.parent_state = %(posted)s
               AND account.account_type = %(receivable)s
               AND line.date <= %(day)s
               AND (NOT line.reconciled OR EXISTS (
                       SELECT 1 FROM account_partial_reconcile later
                        WHERE later.max_date > %(day)s
                          AND (later.debit_move_id = line.id
                               OR later.credit_move_id = line.id)))
               AND line.balance - COALESCE(debit.amount, 0)
                   + COALESCE(credit.amount, 0) != 0
               %(company_filter)s
            """,
            collector=company_value_sql(
                SQL("partner.dunning_collector_id"), SQL("line.company_id")
            ),
            risk_band=company_value_sql(
                SQL("partner.dunning_risk_band"), SQL("line.company_id")
            ),
            segment=company_value_sql(
                SQL("partner.dunning_segment"), SQL("line.company_id")
            ),
            due=due,
            day=day,
            bucket=aging_bucket_sql(SQL("(%s::date - %s)", day, due)),
            posted=engine.POSTED_STATE,
            receivable=engine.RECEIVABLE_ACCOUNT_TYPE,
            company_filter=company_filter,
        )

    def action_open_invoice(self):
        """Open the invoice of this item (drill-down from the list)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "views": [[False, "form"]],
        }
