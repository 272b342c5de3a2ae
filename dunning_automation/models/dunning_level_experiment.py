# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount

from ..analytics import bandit, experiment

MAX_HOLDOUT_PERCENT = 50
SECRET_PREFIX = "dunning-experiment"
SECRET_PARAM = "dunning_automation.experiment_secret"


class DunningLevel(models.Model):
    """A level's experiment: a hold-out group and template variants, what each earned,
    and the variants stopped for doing clearly worse."""

    _inherit = "dunning.level"

    holdout_percent = fields.Float(
        string="Hold-out (%)",
        digits=(16, 1),
        help="Share of the customers kept out of this level's message, to measure what "
        "it earns. Chosen at random, but the same customer stays in the same group for "
        "a whole experiment period. Held-out customers are recorded in the audit trail "
        "as 'Held Out'; nothing is sent to them.",
    )
    experiment_period = fields.Selection(
        [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")],
        default="quarter",
        required=True,
        help="Customers are drawn again into the hold-out and the variants each "
        "period.",
    )
    variant_ids = fields.One2many(
        "dunning.level.variant", "level_id", string="Variants"
    )
    experiment_summary = fields.Text(
        string="What It Earned", compute="_compute_experiment_summary"
    )
    recommender_enabled = fields.Boolean(
        string="Assign by Recommender",
        help="Assign each new reminder's variant by what worked for the customer's "
        "payment segment (Thompson sampling on the measured payments within 14 days), "
        "instead of by weight. The hold-out is kept.",
    )
    recommendation = fields.Text(compute="_compute_recommendation")

    @api.constrains("holdout_percent")
    def _check_holdout_percent(self):
        for level in self:
            if not 0 <= level.holdout_percent <= MAX_HOLDOUT_PERCENT:
                raise ValidationError(
                    self.env._(
                        "The hold-out of level %(level)s must lie between 0 and "
                        "%(max)s %%.",
                        level=level.name,
                        max=MAX_HOLDOUT_PERCENT,
                    )
                )

    # ------------------------------------------------------------------
    # ASSIGNMENT
    # ------------------------------------------------------------------

    @api.model
    def _experiment_secret(self):
        """The key of the assignment hash (``dunning_automation.experiment_secret``,
        else the database's secret), so that nobody can compute their arm from the
        outside."""
        params = self.env["ir.config_parameter"].sudo()
        secret = params.get_param(SECRET_PARAM) or params.get_param("database.secret")
        return f"{SECRET_PREFIX}:{secret}"

    def _experiment_period_key(self, date):
        self.ensure_one()
        return fields.Date.start_of(date, self.experiment_period).isoformat()

    def _dunning_assign_arm(self, partner_id, date):
        """(arm, variant) of a customer's reminder at this level on ``date``: arm is
        False when the level runs no experiment."""
        self.ensure_one()
        running = self.variant_ids.filtered(lambda variant: variant.state == "running")
        if not self.holdout_percent and not running:
            return False, self.env["dunning.level.variant"]
        key = experiment.assign(
            self._experiment_secret(),
            self.id,
            partner_id,
            self._experiment_period_key(date),
            self.holdout_percent / 100,
            [(variant.id, variant.weight) for variant in running],
        )
        if key == experiment.HOLDOUT:
            return "holdout", self.env["dunning.level.variant"]
        if self.recommender_enabled and len(running) > 1:
            segment = self._partner_segments([partner_id]).get(partner_id)
            return "treatment", running.browse(
                self._cached_recommender().choose(segment)
            )
        return "treatment", running.browse(key or [])

    def _cached_recommender(self):
        """The level's sampler, built once per transaction (a run assigns many)."""
        cache = self.env.cr.cache.setdefault("dunning_recommender", {})
        if self.id not in cache:
            cache[self.id] = self._recommender()
        return cache[self.id]

    # ------------------------------------------------------------------
    # RESULTS
    # ------------------------------------------------------------------

    def _experiment_rows(self):
        """{arm: [(paid within 14 days, recovered in 14 days)]} of this level's
        reminders in an experiment."""
        self.ensure_one()
        rows = {"holdout": [], "treatment": []}
        for row in (
            self.env["dunning.report.effectiveness"]
            .sudo()
            .search_fetch(
                [("level_id", "=", self.id), ("arm", "!=", False)],
                ["arm", "paid_14", "recovered_14"],
            )
        ):
            rows[row.arm].append((row.paid_14, row.recovered_14))
        return rows

    def _experiment_uplift(self):
        """(paid-within-14-days uplift, recovered-per-customer uplift, rows): the
        treatment arm minus the hold-out, each an ``experiment.Interval`` or None."""
        rows = self._experiment_rows()
        sent, held = rows["treatment"], rows["holdout"]
        paid = experiment.proportion_difference(
            sum(p for p, _r in sent), len(sent), sum(p for p, _r in held), len(held)
        )
        recovered = experiment.mean_difference(
            [r for _p, r in sent], [r for _p, r in held]
        )
        return paid, recovered, rows

    @api.depends("holdout_percent", "variant_ids.state")
    def _compute_experiment_summary(self):
        for level in self:
            level.experiment_summary = level._experiment_words()

    def _experiment_words(self):
        self.ensure_one()
        if not self.id:
            return False
        paid, recovered, rows = self._experiment_uplift()
        counts = {"sent": len(rows["treatment"]), "held": len(rows["holdout"])}
        if paid is None:
            if not self.holdout_percent:
                return False
            return self.env._(
                "No result yet: %(sent)s customers reminded, %(held)s held out. "
                "Both groups need reminders before the difference can be measured.",
                **counts,
            )
        values = {
            "level": self.name,
            "uplift": round(abs(paid.estimate) * 100),
            "margin": round(paid.margin * 100),
            **counts,
        }
        if not paid.significant:
            words = self.env._(
                "%(level)s: no significant difference yet in customers paying within "
                "14 days against no reminder (%(uplift)s %% ± %(margin)s %%; "
                "%(sent)s reminded, %(held)s held out).",
                **values,
            )
        elif paid.estimate > 0:
            words = self.env._(
                "%(level)s brought %(uplift)s %% ± %(margin)s %% more customers to pay "
                "within 14 days than no reminder (%(sent)s reminded, %(held)s held "
                "out).",
                **values,
            )
        else:
            words = self.env._(
                "%(level)s brought %(uplift)s %% ± %(margin)s %% fewer customers to "
                "pay within 14 days than no reminder (%(sent)s reminded, %(held)s held "
                "out).",
                **values,
            )
        if recovered is not None:
            currency = self.company_id.currency_id or self.env.company.currency_id
            words += "\n" + self.env._(
                "Recovered within 14 days per customer: %(amount)s ± %(margin)s "
                "against the hold-out.",
                amount=format_amount(self.env, recovered.estimate, currency),
                margin=format_amount(self.env, recovered.margin, currency),
            )
        return words

    def _variant_outcomes(self):
        """{variant: (paid within 14 days, messages)} of this level's variants."""
        groups = (
            self.env["dunning.report.effectiveness"]
            .sudo()
            ._read_group(
                [("level_id", "in", self.ids), ("variant_id", "!=", False)],
                groupby=["variant_id"],
                aggregates=["paid_14:sum", "__count"],
            )
        )
        return {variant: (paid, count) for variant, paid, count in groups}

    def action_evaluate_experiment(self):
        """Stop every running variant that does clearly worse than the best one (its
        whole 95 % interval below), so customers get the better message."""
        stopped = self.env["dunning.level.variant"]
        for level in self:
            outcomes = level._variant_outcomes()
            running = level.variant_ids.filtered(
                lambda variant: variant.state == "running"
            ).filtered(outcomes.__contains__)
            if len(running) < 2:
                continue
            rates = {v: outcomes[v][0] / outcomes[v][1] for v in running}
            best = max(running, key=rates.get)
            best_paid, best_n = outcomes[best]
            for variant in running - best:
                paid, n = outcomes[variant]
                if experiment.clearly_worse(paid, n, best_paid, best_n):
                    interval = experiment.proportion_difference(
                        paid, n, best_paid, best_n
                    )
                    variant.write(
                        {
                            "state": "stopped",
                            "stop_reason": self.env._(
                                "Stopped: %(low)s %% to %(high)s %% fewer customers "
                                "paid within 14 days than with %(best)s (95 %% "
                                "confidence; %(n)s and %(best_n)s messages).",
                                low=round(-interval.high * 100),
                                high=round(-interval.low * 100),
                                best=best.name,
                                n=n,
                                best_n=best_n,
                            ),
                        }
                    )
                    stopped |= variant
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if stopped else "info",
                "message": self.env._(
                    "Variants stopped: %(names)s.",
                    names=", ".join(stopped.mapped("name")),
                )
                if stopped
                else self.env._("No variant is clearly worse yet."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------
    # RECOMMENDER
    # ------------------------------------------------------------------

    def _recommender(self):
        """A Thompson sampler over this level's running variants, per payment segment,
        fed with the measured outcomes (paid within 14 days) of its reminders."""
        self.ensure_one()
        running = self.variant_ids.filtered(lambda variant: variant.state == "running")
        sampler = bandit.ThompsonSampler(running.ids)
        rows = (
            self.env["dunning.report.effectiveness"]
            .sudo()
            ._read_group(
                [("level_id", "=", self.id), ("variant_id", "in", running.ids)],
                groupby=["partner_id", "variant_id"],
                aggregates=["paid_14:sum", "__count"],
            )
        )
        segments = self._partner_segments({partner.id for partner, *_r in rows})
        for partner, variant, paid, count in rows:
            segment = segments.get(partner.id)
            sampler.observe(segment, variant.id, True, count=paid)
            sampler.observe(segment, variant.id, False, count=count - paid)
        return sampler

    def _partner_segments(self, partner_ids):
        """{partner id: payment segment in this level's company} (False: unscored)."""
        partners = (
            self.env["res.partner"]
            .sudo()
            .with_company(self.company_id)
            .browse(partner_ids)
        )
        return {partner.id: partner.dunning_segment for partner in partners}

    @api.depends("variant_ids.state", "recommender_enabled")
    def _compute_recommendation(self):
        labels = dict(
            self.env["res.partner"]
            ._fields["dunning_segment"]
            ._description_selection(self.env)
        )
        for level in self:
            if not level.id or len(level.variant_ids) < 2:
                level.recommendation = False
                continue
            sampler = level._recommender()
            lines = []
            for segment in sorted(sampler.successes, key=str):
                best, prob_best, means = sampler.recommendation(segment)
                seen = int(
                    sampler.successes[segment].sum() + sampler.failures[segment].sum()
                )
                lines.append(
                    self.env._(
                        "%(segment)s: %(variant)s (%(prob)s %% likely the best; "
                        "%(rate)s %% expected to pay within 14 days; %(n)s reminders "
                        "measured).",
                        segment=labels.get(segment) or self.env._("Not scored"),
                        variant=level.variant_ids.browse(best).name,
                        prob=round(prob_best[best] * 100),
                        rate=round(means[best] * 100),
                        n=seen,
                    )
                )
            level.recommendation = "\n".join(lines) or self.env._(
                "No measured reminder yet: the variants are assigned by weight."
            )
