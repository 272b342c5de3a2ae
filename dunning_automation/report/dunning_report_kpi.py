# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .. import engine
from ..analytics import forecast, kpi
from .dunning_report_aging import AGING_BUCKET_SELECTION

# Moves whose receivable lines are credit sales (credit notes net them).
SALE_MOVE_TYPES = ("out_invoice", "out_refund", "out_receipt")
# The dashboard's periods: months back from the current one, included.
DASHBOARD_PERIODS = {"1m": 1, "3m": 3, "12m": 12}


def month_ends(date_from, date_to):
    """[(first day, last day)] of each calendar month from ``date_from`` to
    ``date_to``, both included; the last month ends on ``date_to``."""
    months = []
    start = fields.Date.start_of(date_from, "month")
    while start <= date_to:
        end = min(fields.Date.end_of(start, "month"), date_to)
        months.append((start, end))
        start = end + timedelta(days=1)
    return months


class DunningReportKpi(models.AbstractModel):
    """The ledger figures behind DSO, countback DSO, best possible DSO, ADD and CEI,
    read in two queries per company and handed to the formulas of ``analytics.kpi``."""

    _name = "dunning.report.kpi"
    _description = "Dunning KPIs"

    @api.model
    def _receivable_filter(self, company):
        return SQL(
            """line.company_id = %s AND line.parent_state = %s
               AND account.account_type = %s""",
            company.id,
            engine.POSTED_STATE,
            engine.RECEIVABLE_ACCOUNT_TYPE,
        )

    @api.model
    def _monthly_ledger(self, company, date_to):
        """{first day of month: (receivable movement, credit sales)} of every month up
        to ``date_to``, in the company currency: the receivables at a date are the sum
        of the movements before it."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT date_trunc('month', line.date)::date,
                       SUM(line.balance),
                       COALESCE(SUM(line.balance)
                                FILTER (WHERE move.move_type IN %(sales)s), 0)
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  JOIN account_account account ON account.id = line.account_id
                 WHERE %(receivable)s AND line.date <= %(date_to)s
              GROUP BY 1
                """,
                sales=SALE_MOVE_TYPES,
                receivable=self._receivable_filter(company),
                date_to=date_to,
            )
        )
        return {
            month: (movement, sales)
            for month, movement, sales in self.env.cr.fetchall()
        }

    @api.model
    def _current_receivables(self, company, days):
        """{day: receivables not yet due on ``day``}: items issued by then, due that day
        or after (not overdue, as in the aging), less what was reconciled by then."""
        if not days:
            return {}
        self.env.cr.execute(
            SQL(
                """
                SELECT day.day,
                       SUM(line.balance - COALESCE((
                           SELECT SUM(p.amount) FROM account_partial_reconcile p
                            WHERE p.debit_move_id = line.id AND p.max_date <= day.day
                       ), 0) + COALESCE((
                           SELECT SUM(p.amount) FROM account_partial_reconcile p
                            WHERE p.credit_move_id = line.id AND p.max_date <= day.day
                       ), 0))
                  FROM unnest(%(days)s::date[]) AS day(day)
                  JOIN account_move_line line
                    ON line.date <= day.day
                  JOIN account_move move ON move.id = line.move_id
                  JOIN account_account account ON account.id = line.account_id
                 WHERE %(receivable)s AND %(due)s >= day.day
              GROUP BY day.day
                """,
                days=list(days),
                due=self.env["account.move.line"]._dunning_due_date_sql("line", "move"),
                receivable=self._receivable_filter(company),
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _kpis(self, company, date_from, date_to):
        """The KPIs of the period and of each of its months.

        :return: {"period": {...}, "months": [{...}]}, amounts in the company currency;
                 a KPI without data (no sales) is None
        """
        ledger = self._monthly_ledger(company, date_to)
        months = month_ends(date_from, date_to)
        first_month = min(ledger, default=months[0][0])
        history = month_ends(min(first_month, months[0][0]), date_to)
        current = self._current_receivables(
            company, [months[0][0] - timedelta(days=1)] + [end for _s, end in months]
        )

        def receivables_at(month_end):
            return sum(
                movement
                for month, (movement, _sales) in ledger.items()
                if month <= month_end
            )

        def figures(start, end):
            """The KPIs of the months from ``start`` to ``end``."""
            days = (end - start).days + 1
            begin = receivables_at(start - timedelta(days=1))
            receivables = receivables_at(end)
            not_due = current.get(end, 0.0)
            sales = sum(
                month_sales
                for month, (_movement, month_sales) in ledger.items()
                if start <= month <= end
            )
            return {
                "sales": sales,
                "receivables": receivables,
                "current": not_due,
                "overdue": receivables - not_due,
                "dso": kpi.dso(receivables, sales, days),
                "best_possible_dso": kpi.best_possible_dso(not_due, sales, days),
                "add": kpi.average_days_delinquent(receivables, not_due, sales, days),
                "cei": kpi.cei(begin, sales, receivables, not_due),
            }

        period = figures(months[0][0], months[-1][1])
        period["countback_dso"] = kpi.countback_dso(
            period["receivables"],
            [
                ((end - start).days + 1, ledger.get(start, (0.0, 0.0))[1])
                for start, end in reversed(history)
            ],
        )
        return {
            "period": period,
            "months": [
                {"month": start, **figures(start, end)} for start, end in months
            ],
        }

    # ------------------------------------------------------------------
    # DASHBOARD
    # ------------------------------------------------------------------

    @api.model
    def _dashboard_period(self, period, today):
        """(first day, last day) of the months a dashboard period covers: the current
        month so far (up to ``today``, the day the aging is read on) is the last one."""
        months = DASHBOARD_PERIODS.get(period, DASHBOARD_PERIODS["3m"])
        first = fields.Date.subtract(
            fields.Date.start_of(today, "month"), months=months - 1
        )
        return first, today

    @api.model
    def get_dashboard(self, period="3m"):
        """Everything the dashboard shows for the current company, in one call."""
        company = self.env.company
        today = fields.Date.context_today(self)
        date_from, date_to = self._dashboard_period(period, today)
        kpis = self._kpis(company, date_from, date_to)
        Aging = self.env["dunning.report.aging"].with_context(dunning_report_date=today)
        aging = dict(
            Aging._read_group(
                [("company_id", "=", company.id)],
                groupby=["aging_bucket"],
                aggregates=["residual:sum"],
            )
        )
        labels = dict(Aging._fields["aging_bucket"]._description_selection(self.env))
        return {
            "period": period,
            "date_from": fields.Date.to_string(date_from),
            "date_to": fields.Date.to_string(date_to),
            "report_date": fields.Date.to_string(today),
            "currency_id": company.currency_id.id,
            "kpis": kpis["period"],
            "months": [
                {**month, "month": fields.Date.to_string(month["month"])}
                for month in kpis["months"]
            ],
            "aging": [
                {"bucket": code, "label": labels[code], "amount": aging.get(code, 0.0)}
                for code, _label in AGING_BUCKET_SELECTION
            ],
            "effectiveness": self._dashboard_effectiveness(company, date_from, date_to),
        }

    @api.model
    def _dashboard_effectiveness(self, company, date_from, date_to):
        """Per level of the company's policies: messages of the period, share paid in
        14 days, amount recovered, and what its experiment earned."""
        levels = self.env["dunning.level"].search([("company_id", "=", company.id)])
        stats = {
            level: (count, paid, recovered)
            for level, count, paid, recovered in self.env[
                "dunning.report.effectiveness"
            ]._read_group(
                [
                    ("level_id", "in", levels.ids),
                    ("state", "!=", "held_out"),
                    ("dunning_date", ">=", date_from),
                    ("dunning_date", "<=", date_to),
                ],
                groupby=["level_id"],
                aggregates=["__count", "paid_14:avg", "recovered_14:sum"],
            )
        }
        return [
            {
                "level_id": level.id,
                "name": f"{level.policy_id.name} / {level.name}",
                "messages": stats.get(level, (0, 0.0, 0.0))[0],
                "paid_14": stats.get(level, (0, 0.0, 0.0))[1],
                "recovered_14": stats.get(level, (0, 0.0, 0.0))[2],
                "summary": level.experiment_summary or "",
            }
            for level in levels
        ]

    @api.model
    def action_open_aging_bucket(self, bucket):
        """The open items of an aging bucket today, each with its invoice (the
        dashboard's drill-down)."""
        labels = dict(
            self.env["dunning.report.aging"]
            ._fields["aging_bucket"]
            ._description_selection(self.env)
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_automation.action_dunning_report_aging"
        )
        action.update(
            {
                "name": self.env._("Open Items: %(bucket)s", bucket=labels[bucket]),
                "views": [[False, "list"], [False, "pivot"], [False, "graph"]],
                "view_mode": "list,pivot,graph",
                "domain": [
                    ("company_id", "=", self.env.company.id),
                    ("aging_bucket", "=", bucket),
                ],
                "context": {
                    "dunning_report_date": fields.Date.to_string(
                        fields.Date.context_today(self)
                    )
                },
            }
        )
        return action

    # ------------------------------------------------------------------
    # CASH-IN FORECAST
    # ------------------------------------------------------------------

    @api.model
    def _cash_forecast(self, company, as_of, weeks=forecast.WEEKS):
        """{currency name: [amount expected per week]} of the company's open items,
        in their own currencies: an open promise's date first, then the risk model's
        expected pay date, then the due date."""
        self.env.flush_all()
        promise_moves = self.env["dunning.promise"]._fields["move_ids"]
        self.env.cr.execute(
            SQL(
                """
                SELECT currency.name,
                       line.amount_residual_currency,
                       %(due)s,
                       move.dunning_expected_pay_date,
                       (SELECT MIN(promise.promise_date)
                          FROM %(rel)s rel
                          JOIN dunning_promise promise
                            ON promise.id = rel.%(promise_col)s
                         WHERE rel.%(move_col)s = move.id
                           AND promise.state = 'open')
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  JOIN account_account account ON account.id = line.account_id
                  JOIN res_currency currency ON currency.id = line.currency_id
                 WHERE line.company_id = %(company)s
                   AND line.amount_residual_currency > 0
                   AND %(open)s
                """,
                rel=SQL.identifier(promise_moves.relation),
                promise_col=SQL.identifier(promise_moves.column1),
                move_col=SQL.identifier(promise_moves.column2),
                company=company.id,
                due=self.env["account.move.line"]._dunning_due_date_sql("line", "move"),
                open=self.env["account.move.line"]._dunning_open_sql(
                    "line", "move", "account"
                ),
            )
        )
        items = [
            forecast.OpenItem(currency, amount, due, expected, promised)
            for currency, amount, due, expected, promised in self.env.cr.fetchall()
        ]
        return {
            "model": forecast.forecast(items, as_of, weeks),
            "naive": forecast.forecast(items, as_of, weeks, when=forecast.naive_date),
        }
