# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import math

from markupsafe import Markup

from odoo import fields, models
from odoo.tools import formatLang

from .. import risk
from ..models.dunning_risk_scoring import single_threaded

# (summary column, number format) of the metrics the wizard shows, in order
METRIC_FORMATS = (
    ("n_invoices", "{:.0f}"),
    ("auc", "{:.3f}"),
    ("brier", "{:.3f}"),
    ("log_loss", "{:.3f}"),
    ("pay_date_mae_days", "{:.1f}"),
    ("top_20_late_share", "{:.0%}"),
    ("late_rate_low", "{:.0%}"),
    ("late_rate_medium", "{:.0%}"),
    ("late_rate_high", "{:.0%}"),
    ("late_rate_critical", "{:.0%}"),
)


class DunningRiskBacktest(models.TransientModel):
    """Replay the late-payment model on the company's own history, next to a naive
    baseline."""

    _name = "dunning.risk.backtest"
    _description = "Risk Model Backtest"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    min_labelled = fields.Integer(
        string="Minimum History",
        help="The first month tested is the first with this many invoices whose "
        "outcome is known. Empty: 300, or half of the invoices whose outcome is known "
        "on a shorter history.",
    )
    result_html = fields.Html(string="Results", readonly=True, sanitize=False)
    message = fields.Text(readonly=True)

    def action_run(self):
        """Backtest month by month and show the model's metrics next to the
        baseline's."""
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
                result = risk.backtest(frame, min_labelled=self.min_labelled or None)
        except ValueError as error:
            messages.insert(
                0,
                self.env._(
                    "Not enough history to backtest the risk model: %(error)s.",
                    error=error,
                ),
            )
            self.write({"result_html": False, "message": "\n".join(messages)})
        else:
            self.write(
                {
                    "result_html": self._explanation_html(result)
                    + self._summary_html(result.summary),
                    "message": "\n".join(messages) or False,
                }
            )
        return self._get_records_action(target="new")

    def _metrics(self):
        """(summary column, label, number format) of the rows shown."""
        # the labels apart from the column keys: Odoo's term extractor would take a
        # string that follows a translated one in the same tuple for a term of its own
        labels = (
            self.env._("Invoices scored"),
            self.env._("ROC AUC (higher is better)"),
            self.env._("Brier score (lower is better)"),
            self.env._("Log loss (lower is better)"),
            self.env._("Pay date error in days (lower is better)"),
            self.env._("Paid late among the 20 % scored highest (higher is better)"),
            self.env._("Late rate, low band"),
            self.env._("Late rate, medium band"),
            self.env._("Late rate, high band"),
            self.env._("Late rate, critical band"),
        )
        return [
            (column, label, number_format)
            for (column, number_format), label in zip(
                METRIC_FORMATS, labels, strict=True
            )
        ]

    def _explanation_html(self, result):
        """The backtest's outcome in an accounts-receivable manager's words, above the
        metrics."""
        predictions, summary = result.predictions, result.summary
        high = predictions["model_band"].isin(("high", "critical"))
        low = predictions["model_band"] == "low"

        def pct(share):
            return formatLang(self.env, share * 100, digits=0)

        sentences = [
            self.env._(
                "%(invoices)s invoices of %(months)s months were each scored the "
                "day they were issued, from what was known that day, then compared "
                "with how they were paid.",
                invoices=len(predictions),
                months=int(summary.at["model", "n_folds"]),
            )
        ]
        if high.any():
            sentences.append(
                self.env._(
                    "Of the %(count)s invoices scored high risk, %(late)s %% were "
                    "paid late.",
                    count=int(high.sum()),
                    late=pct(predictions.loc[high, "late"].mean()),
                )
            )
        if low.any():
            sentences.append(
                self.env._(
                    "Of the %(count)s invoices scored low risk, %(late)s %% were "
                    "paid late.",
                    count=int(low.sum()),
                    late=pct(predictions.loc[low, "late"].mean()),
                )
            )

        # read before the calls: the translation extractor would take their keys
        # for terms
        def model_and_baseline(metric):
            return (
                float(summary.at[method, metric]) for method in ("model", "baseline")
            )

        auc, baseline_auc = model_and_baseline("auc")
        mae, baseline_mae = model_and_baseline("pay_date_mae_days")
        top, baseline_top = model_and_baseline("top_20_late_share")
        if math.isfinite(auc):
            sentences.append(
                self.env._(
                    "Given one invoice paid late and one paid on time, the model "
                    "gave the late one the higher risk %(auc)s %% of the time (each "
                    "customer's own late rate: %(baseline)s %%).",
                    auc=pct(auc),
                    baseline=pct(baseline_auc),
                )
            )
        if math.isfinite(top):
            sentences.append(
                self.env._(
                    "Of the 20 %% of invoices the model scored riskiest, %(late)s %% "
                    "were paid late (ranked by each customer's own late rate: "
                    "%(baseline)s %%).",
                    late=pct(top),
                    baseline=pct(baseline_top),
                )
            )
        if math.isfinite(mae):
            sentences.append(
                self.env._(
                    "Expected pay dates were %(days)s days off on average (from "
                    "each customer's usual delay: %(baseline)s days).",
                    days=formatLang(self.env, mae, digits=0),
                    baseline=formatLang(self.env, baseline_mae, digits=0),
                )
            )
        fallbacks = int(result.folds["fallback_reason"].notna().sum())
        if fallbacks:
            sentences.append(
                self.env._(
                    "In %(count)s of these months the model had too little "
                    "history and used each customer's own history instead.",
                    count=fallbacks,
                )
            )
        return Markup(
            "<div class='o_dunning_backtest_explanation'>%s</div>"
        ) % Markup().join(Markup("<p>%s</p>") % sentence for sentence in sentences)

    def _summary_html(self, summary):
        def cell(value, number_format):
            value = float(value)
            return number_format.format(value) if math.isfinite(value) else "-"

        rows = Markup().join(
            Markup(
                "<tr><td>%s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td></tr>"
            )
            % (
                label,
                cell(summary.at["model", column], fmt),
                cell(summary.at["baseline", column], fmt),
            )
            for column, label, fmt in self._metrics()
        )
        return Markup(
            "<table class='table table-sm'><thead><tr><th>%s</th>"
            "<th class='text-end'>%s</th><th class='text-end'>%s</th></tr></thead>"
            "<tbody>%s</tbody></table>"
        ) % (self.env._("Metric"), self.env._("Model"), self.env._("Baseline"), rows)
