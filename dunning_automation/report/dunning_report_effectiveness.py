# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.tools import SQL

# Days after a message in which a payment counts as its outcome.
WINDOWS = (7, 14, 30)
# Failure codes that mean the customer asked not to be written to.
OPT_OUT_FAILURES = ("mail_optout", "mail_bl")
# Below this (company currency), an item counts as paid.
PAID_TOLERANCE = 0.005


class DunningReportEffectiveness(models.Model):
    """What each message (and each held-out non-message) was followed by: the share of
    what was overdue paid within 7, 14 and 30 days, the days to payment, bounces,
    opt-outs and disputes. One row per communication; averages give the rates."""

    _name = "dunning.report.effectiveness"
    _description = "Dunning Effectiveness Report"
    _auto = False
    _order = "dunning_date desc, id desc"
    _rec_name = "communication_id"
    _depends = {
        "dunning.communication": [
            "company_id",
            "partner_id",
            "policy_id",
            "level_id",
            "channel",
            "mail_template_id",
            "variant_id",
            "arm",
            "state",
            "failure_type",
            "dunning_date",
        ],
        "dunning.communication.line": [
            "communication_id",
            "move_line_id",
            "amount_residual_company",
        ],
        "account.partial.reconcile": ["debit_move_id", "amount", "max_date"],
        "dunning.dispute": ["move_id"],
    }

    communication_id = fields.Many2one("dunning.communication", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    policy_id = fields.Many2one("dunning.policy", readonly=True)
    level_id = fields.Many2one("dunning.level", readonly=True)
    channel = fields.Selection(
        lambda self: self.env["dunning.communication"]._fields["channel"].selection,
        readonly=True,
    )
    mail_template_id = fields.Many2one(
        "mail.template", string="Template", readonly=True
    )
    variant_id = fields.Many2one("dunning.level.variant", readonly=True)
    arm = fields.Selection(
        lambda self: self.env["dunning.communication"]._fields["arm"].selection,
        readonly=True,
    )
    state = fields.Selection(
        lambda self: self.env["dunning.communication"]._fields["state"].selection,
        readonly=True,
    )
    dunning_date = fields.Date(string="Message Date", readonly=True)
    amount_due = fields.Monetary(
        string="Overdue at Message", currency_field="company_currency_id", readonly=True
    )
    recovered_7 = fields.Monetary(
        string="Recovered in 7 Days",
        currency_field="company_currency_id",
        readonly=True,
    )
    recovered_14 = fields.Monetary(
        string="Recovered in 14 Days",
        currency_field="company_currency_id",
        readonly=True,
    )
    recovered_30 = fields.Monetary(
        string="Recovered in 30 Days",
        currency_field="company_currency_id",
        readonly=True,
    )
    paid_7 = fields.Float(
        string="Paid in 7 Days (share)", readonly=True, aggregator="avg"
    )
    paid_14 = fields.Float(
        string="Paid in 14 Days (share)", readonly=True, aggregator="avg"
    )
    paid_30 = fields.Float(
        string="Paid in 30 Days (share)", readonly=True, aggregator="avg"
    )
    days_to_pay = fields.Float(
        string="Days to Payment",
        readonly=True,
        aggregator="avg",
        help="From the message to the payment that settled what it listed; empty "
        "while unpaid.",
    )
    bounced = fields.Integer(readonly=True)
    opted_out = fields.Integer(string="Opt-outs", readonly=True)
    disputes = fields.Integer(string="Disputes Opened", readonly=True)

    @property
    def _table_query(self):
        recovered = SQL(", ").join(
            SQL(
                "COALESCE(SUM(p.amount)"
                " FILTER (WHERE p.max_date <= c.dunning_date + %s), 0) AS %s",
                days,
                SQL.identifier(f"r{days}"),
            )
            for days in WINDOWS
        )
        outcomes = SQL(", ").join(
            SQL(
                """LEAST(r.%(r)s, due.amount) AS %(recovered)s,
                   CASE WHEN r.%(r)s >= due.amount - %(tol)s THEN 1.0 ELSE 0.0 END
                       AS %(paid)s""",
                r=SQL.identifier(f"r{days}"),
                recovered=SQL.identifier(f"recovered_{days}"),
                paid=SQL.identifier(f"paid_{days}"),
                tol=PAID_TOLERANCE,
            )
            for days in WINDOWS
        )
        return SQL(
            """
            SELECT c.id,
                   c.id AS communication_id,
                   c.company_id,
                   company.currency_id AS company_currency_id,
                   c.partner_id,
                   c.policy_id,
                   c.level_id,
                   c.channel,
                   c.mail_template_id,
                   c.variant_id,
                   c.arm,
                   c.state,
                   c.dunning_date,
                   due.amount AS amount_due,
                   %(outcomes)s,
                   CASE WHEN r.total >= due.amount - %(tol)s
                        THEN r.last_date - c.dunning_date END AS days_to_pay,
                   CASE WHEN c.state = 'bounced' THEN 1 ELSE 0 END AS bounced,
                   CASE WHEN c.failure_type IN %(opt_out)s THEN 1 ELSE 0 END
                       AS opted_out,
                   disputes.count AS disputes
              FROM dunning_communication c
              JOIN res_company company ON company.id = c.company_id
              JOIN LATERAL (
                   SELECT SUM(cl.amount_residual_company) AS amount
                     FROM dunning_communication_line cl
                    WHERE cl.communication_id = c.id
                      AND cl.amount_residual_company > 0
                   ) due ON due.amount > 0
         LEFT JOIN LATERAL (
                   SELECT %(recovered)s,
                          COALESCE(SUM(p.amount), 0) AS total,
                          MAX(p.max_date) AS last_date
                     FROM dunning_communication_line cl
                     JOIN account_partial_reconcile p
                       ON p.debit_move_id = cl.move_line_id
                      AND p.max_date >= c.dunning_date
                    WHERE cl.communication_id = c.id
                      AND cl.amount_residual_company > 0
                   ) r ON TRUE
         LEFT JOIN LATERAL (
                   SELECT COUNT(*) AS count
                     FROM dunning_dispute dispute
                     JOIN dunning_communication_move_rel rel
                       ON rel.move_id = dispute.move_id
                      AND rel.communication_id = c.id
                    WHERE dispute.create_date::date
                          BETWEEN c.dunning_date AND c.dunning_date + 30
                   ) disputes ON TRUE
            """,
            outcomes=outcomes,
            recovered=recovered,
            tol=PAID_TOLERANCE,
            opt_out=OPT_OUT_FAILURES,
        )
