# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import math

from markupsafe import Markup

from odoo import fields, models

from .. import risk
from ..models.dunning_risk_scoring import single_threaded


class DunningRiskBacktest(models.TransientModel):
    """Replay the late-payment model on the company's own history, next to a naive baseline."""

    _name = "dunning.risk.backtest"
    _description = "Risk Model Backtest"

    company_id = fields.Many2one("res.company", required=True, readonly=True, default=lambda self: self.env.company)
    min_labelled = fields.Integer(
        string="Minimum History",
        default=300,
        required=True,
        help="The first month tested is the first with this many invoices whose outcome is known.",
    )
    result_html = fields.Html(string="Results", readonly=True, sanitize=False)
    message = fields.Text(readonly=True)

    def action_run(self):
        """Backtest month by month and show the model's metrics next to the baseline's."""
        self.ensure_one()
        frame = self.env["dunning.risk.scoring"]._invoice_frame(self.company_id)
        rejected = risk.validate_frame(frame).rejected
        messages = []
        if len(rejected):
            messages.append(
                self.env._(
                    "%(count)s invoices were left out: %(reasons)s",
                    count=len(rejected),
                    reasons=", ".join(sorted(set(rejected["reason"]))),
                )
            )
        try:
            with single_threaded():
                result = risk.backtest(frame, min_labelled=self.min_labelled)
        except ValueError as error:
            messages.insert(
                0, self.env._("Not enough history to backtest the risk model: %(error)s.", error=error)
            )
            self.write({"result_html": False, "message": "\n".join(messages)})
        else:
            self.write({"result_html": self._summary_html(result.summary), "message": "\n".join(messages) or False})
        return self._get_records_action(target="new")

    def _metrics(self):
        """(summary column, label, number format) of the rows shown."""
        _ = self.env._
        return [
            ("n_invoices", _("Invoices scored"), "{:.0f}"),
            ("auc", _("ROC AUC (higher is better)"), "{:.3f}"),
            ("brier", _("Brier score (lower is better)"), "{:.3f}"),
            ("log_loss", _("Log loss (lower is better)"), "{:.3f}"),
            ("pay_date_mae_days", _("Pay date error in days (lower is better)"), "{:.1f}"),
            ("late_rate_low", _("Late rate, low band"), "{:.0%}"),
            ("late_rate_medium", _("Late rate, medium band"), "{:.0%}"),
            ("late_rate_high", _("Late rate, high band"), "{:.0%}"),
            ("late_rate_critical", _("Late rate, critical band"), "{:.0%}"),
        ]

    def _summary_html(self, summary):
        def cell(value, number_format):
            value = float(value)
            return number_format.format(value) if math.isfinite(value) else "-"

        rows = Markup().join(
            Markup("<tr><td>%s</td><td class='text-end'>%s</td><td class='text-end'>%s</td></tr>")
            % (label, cell(summary.at["model", column], fmt), cell(summary.at["baseline", column], fmt))
            for column, label, fmt in self._metrics()
        )
        return Markup(
            "<table class='table table-sm'><thead><tr><th>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th></tr></thead><tbody>%s</tbody></table>"
        ) % (self.env._("Metric"), self.env._("Model"), self.env._("Baseline"), rows)
