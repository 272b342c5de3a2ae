# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.fields import Command


class DunningPreview(models.TransientModel):
    """What a run would send today, without sending or writing anything."""

    _name = "dunning.preview"
    _description = "Dunning Preview (dry run)"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="Dunning Date",
        readonly=True,
        default=lambda self: fields.Date.context_today(self),
    )
    warning = fields.Char(
        readonly=True, help="Why a run would not send anything for this company."
    )
    line_ids = fields.One2many(
        "dunning.preview.line",
        "preview_id",
        string="Reminders",
        domain=[("kind", "=", "send")],
        readonly=True,
    )
    skipped_line_ids = fields.One2many(
        "dunning.preview.line",
        "preview_id",
        string="Skipped Customers",
        domain=[("kind", "=", "skip")],
        readonly=True,
    )
    reminder_count = fields.Integer(compute="_compute_counts")
    failure_count = fields.Integer(string="Will Fail", compute="_compute_counts")
    skipped_count = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.will_fail_reason", "skipped_line_ids")
    def _compute_counts(self):
        for preview in self:
            preview.reminder_count = len(preview.line_ids)
            preview.failure_count = len(preview.line_ids.filtered("will_fail_reason"))
            preview.skipped_count = len(preview.skipped_line_ids)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "line_ids" in fields_list or "skipped_line_ids" in fields_list:
            company = (
                self.env["res.company"].browse(values.get("company_id"))
                or self.env.company
            )
            date = values.get("date") or fields.Date.context_today(self)
            values.update(self._preview_values(company, fields.Date.to_date(date)))
        return values

    # ------------------------------------------------------------------
    # COMPUTATION
    # ------------------------------------------------------------------

    @api.model
    def _preview_values(self, company, date):
        """Plan a run of ``company`` on ``date`` (dry run) and return the wizard's line
        values."""
        warning = company._dunning_configuration_problem()
        Planner = self.env["dunning.planner"]
        reminders, skipped = Planner._plan(company, date, dry_run=True)
        labels = Planner._skip_reason_labels()

        contacts = {
            reminder.decision.partner_id: self.env["res.partner"]
            .browse(reminder.decision.partner_id)
            ._dunning_contact()
            for reminder in reminders
        }
        blacklisted = self.env["res.partner"]._dunning_blacklisted_emails(
            contact.email for contact in contacts.values()
        )
        send_lines, skip_lines = [], []
        for reminder in reminders:
            decision = reminder.decision
            contact = contacts[decision.partner_id]
            moves = (
                reminder.move
                or self.env["account.move.line"].browse(decision.line_ids).move_id
            )
            send_lines.append(
                Command.create(
                    {
                        "kind": "send",
                        "partner_id": decision.partner_id,
                        "level_id": decision.level_id,
                        "policy_id": reminder.policy.id,
                        "move_ids": [Command.set(moves.ids)],
                        "amount_overdue": decision.overdue_total,
                        "email": contact.email or False,
                        "will_fail_reason": (
                            contact._dunning_email_problem(blacklisted)
                            or (False, False)
                        )[1],
                    }
                )
            )
        for partner_id, reason in skipped.items():
            skip_lines.append(
                Command.create(
                    {
                        "kind": "skip",
                        "partner_id": partner_id,
                        "skip_reason": labels.get(reason, reason),
                    }
                )
            )
        return {
            "warning": warning,
            "line_ids": send_lines,
            "skipped_line_ids": skip_lines,
        }

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_compute(self):
        """Recompute the preview as of today and show it again."""
        self.ensure_one()
        date = fields.Date.context_today(self)
        values = self._preview_values(self.company_id, date)
        self.line_ids.unlink()
        self.skipped_line_ids.unlink()
        self.write({"date": date, **values})
        return self._get_records_action(
            target="new", name=self.env._("Dunning Preview")
        )

    def action_run_now(self):
        """Start the real run of the current companies in the background."""
        return self.env["dunning.run"].action_run_now()


class DunningPreviewLine(models.TransientModel):
    _name = "dunning.preview.line"
    _description = "Dunning Preview Line"
    _order = "kind, partner_id, id"

    preview_id = fields.Many2one(
        "dunning.preview", required=True, ondelete="cascade", index=True
    )
    kind = fields.Selection(
        [("send", "Would Send"), ("skip", "Skipped")], required=True, default="send"
    )
    currency_id = fields.Many2one(related="preview_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    level_id = fields.Many2one("dunning.level", readonly=True)
    policy_id = fields.Many2one("dunning.policy", readonly=True)
    move_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    amount_overdue = fields.Monetary(
        string="Overdue", currency_field="currency_id", readonly=True
    )
    email = fields.Char(readonly=True)
    will_fail_reason = fields.Char(string="Will Fail Because", readonly=True)
    skip_reason = fields.Char(string="Reason", readonly=True)
