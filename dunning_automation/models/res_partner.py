# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import email_normalize

RISK_BANDS = [("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")]
# Behaviour segments named by the risk package, as selection keys ("chronic late" -> "chronic_late").
RISK_SEGMENTS = [
    ("reliable", "Reliable"),
    ("slow_but_steady", "Slow but Steady"),
    ("chronic_late", "Chronic Late"),
    ("large_exposure_at_risk", "Large Exposure at Risk"),
    ("new_customer", "New Customer"),
]
RISK_GROUPS = "account.group_account_invoice,account.group_account_readonly"


class ResPartner(models.Model):
    _inherit = "res.partner"

    dunning_policy_id = fields.Many2one(
        "dunning.policy",
        string="Dunning Policy",
        company_dependent=True,
        domain="[('company_id', '=', current_company_id)]",
        help="Overrides the company's default dunning policy for this customer.",
    )
    dunning_excluded = fields.Boolean(
        string="Exclude from Dunning",
        company_dependent=True,
        help="This customer never gets automated reminders.",
    )
    dunning_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        company_dependent=True,
        help="Who follows up this customer's overdue invoices; activities are assigned to them.",
    )
    dunning_invoice_warning = fields.Text(
        string="Dunning Warning",
        company_dependent=True,
        help="Shown on new invoices of this customer while it is escalated.",
    )
    dunning_contact_id = fields.Many2one(
        "res.partner",
        string="Dunning Contact",
        compute="_compute_dunning_contact_id",
        help="Who receives reminders: the invoice address when there is one, else the company.",
    )
    dunning_currency_id = fields.Many2one("res.currency", compute="_compute_dunning_amounts")
    dunning_amount_due = fields.Monetary(
        string="Total Due", currency_field="dunning_currency_id", compute="_compute_dunning_amounts",
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    dunning_amount_overdue = fields.Monetary(
        string="Total Overdue", currency_field="dunning_currency_id", compute="_compute_dunning_amounts",
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    dunning_communication_count = fields.Integer(compute="_compute_dunning_communication_count", groups="account.group_account_invoice,account.group_account_readonly")
    dunning_last_reminder_date = fields.Date(
        string="Last Reminder", compute="_compute_dunning_last_reminder_date", groups=RISK_GROUPS
    )
    # Late-payment risk, written per company by dunning.risk.scoring.
    dunning_risk_excluded = fields.Boolean(
        string="Exclude from Risk Scoring",
        groups=RISK_GROUPS,
        help="The customer objected to automated profiling (GDPR Art. 22): it is not scored "
        "and always follows its standard dunning policy.",
    )
    dunning_risk_score = fields.Integer(
        string="Risk Score", company_dependent=True, readonly=True, groups=RISK_GROUPS,
        help="Late-payment risk from 0 (always on time) to 100.",
    )
    dunning_risk_band = fields.Selection(
        RISK_BANDS, string="Risk Band", company_dependent=True, readonly=True, groups=RISK_GROUPS
    )
    dunning_expected_days_late = fields.Float(
        string="Expected Days Late", company_dependent=True, readonly=True, groups=RISK_GROUPS, digits=(16, 1)
    )
    dunning_priority = fields.Float(
        string="Collection Priority", company_dependent=True, readonly=True, groups=RISK_GROUPS, digits=(16, 0),
        help="Late probability x overdue amount x days overdue, at scoring time: who to chase first.",
    )
    dunning_segment = fields.Selection(
        RISK_SEGMENTS, string="Payment Segment", company_dependent=True, readonly=True, groups=RISK_GROUPS
    )
    dunning_risk_reasons = fields.Text(
        string="Risk Reasons", company_dependent=True, readonly=True, groups=RISK_GROUPS
    )
    dunning_risk_date = fields.Date(string="Scored On", company_dependent=True, readonly=True, groups=RISK_GROUPS)

    @api.depends("child_ids.type", "child_ids.active", "commercial_partner_id")
    def _compute_dunning_contact_id(self):
        for partner in self:
            partner.dunning_contact_id = partner._dunning_contact()

    def _dunning_contact(self):
        """The commercial partner's invoice address when it has one, else the commercial partner."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        invoice_contacts = commercial.child_ids.filtered(lambda child: child.type == "invoice")
        return invoice_contacts[:1] or commercial

    @api.depends_context("company")
    def _compute_dunning_amounts(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        commercial = self.commercial_partner_id
        base_domain = [
            ("company_id", "=", company.id),
            ("partner_id.commercial_partner_id", "in", commercial.ids),
            ("parent_state", "=", "posted"),
            ("account_type", "=", "asset_receivable"),
            ("reconciled", "=", False),
        ]
        due = dict(
            self.env["account.move.line"]._read_group(
                base_domain, groupby=["partner_id.commercial_partner_id"], aggregates=["amount_residual:sum"]
            )
        )
        overdue = dict(
            self.env["account.move.line"]._read_group(
                [*base_domain, ("date_maturity", "<", today)],
                groupby=["partner_id.commercial_partner_id"],
                aggregates=["amount_residual:sum"],
            )
        )
        for partner in self:
            partner.dunning_currency_id = company.currency_id
            partner.dunning_amount_due = due.get(partner.commercial_partner_id, 0.0)
            partner.dunning_amount_overdue = overdue.get(partner.commercial_partner_id, 0.0)

    @api.depends_context("company")
    def _compute_dunning_last_reminder_date(self):
        last_dates = self.env["dunning.run"]._last_reminder_dates(self.env.company, self.commercial_partner_id.ids)
        for partner in self:
            partner.dunning_last_reminder_date = last_dates.get(partner.commercial_partner_id.id, False)

    def _compute_dunning_communication_count(self):
        counts = dict(
            self.env["dunning.communication"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                groupby=["partner_id"],
                aggregates=["__count"],
            )
        )
        for partner in self:
            partner.dunning_communication_count = counts.get(partner.commercial_partner_id, 0)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_dunning_send_now(self):
        """Send this customer the reminder due now."""
        self.ensure_one()
        run = self.env["dunning.run"]._send_now(self)
        return run._action_open_communications()

    def action_view_dunning_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("dunning_automation.action_dunning_communication")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action

    # ------------------------------------------------------------------
    # HELPERS FOR THE RUN
    # ------------------------------------------------------------------

    @api.model
    def _dunning_blacklisted_emails(self, emails):
        """The normalized addresses among ``emails`` that are on the mail blacklist."""
        normalized = {email_normalize(email or "") for email in emails} - {False}
        return set(self.env["mail.blacklist"].sudo().search([("email", "in", list(normalized))]).mapped("email"))

    def _dunning_email_problem(self, blacklisted):
        """(failure type, message) when a reminder cannot be emailed to this contact, else None."""
        self.ensure_one()
        if not self.email:
            return "mail_email_missing", self.env._(
                "The contact %(contact)s has no email address.", contact=self.display_name
            )
        email = email_normalize(self.email)
        if not email:
            return "mail_email_invalid", self.env._("The email address %(email)s is invalid.", email=self.email)
        if email in blacklisted:
            return "mail_bl", self.env._("The email address %(email)s is blacklisted.", email=email)
        return None

    def _dunning_effective_policy(self, default_policy):
        """The policy chasing this customer in the current company: its own policy, else the
        active policy of the company matching its risk band and segment, else ``default_policy``.

        Excluded customers never get a risk-driven policy.
        """
        self.ensure_one()
        if self.dunning_policy_id:
            return self.dunning_policy_id
        if self.dunning_risk_excluded or not (self.dunning_risk_band or self.dunning_segment):
            return default_policy
        matching = self.env.company.dunning_policy_ids.filtered(lambda policy: policy._matches_risk(self))
        # a rule on band and segment is more specific than a rule on one of them
        return matching.sorted(
            lambda policy: (not (policy.risk_band and policy.risk_segment), policy.sequence, policy.id)
        )[:1] or default_policy

    def _dunning_collector(self):
        """Who a dunning activity for this customer is assigned to."""
        self.ensure_one()
        user = self.dunning_collector_id or self.user_id or self.env.user
        if user._is_superuser():
            user = self.env.ref("base.user_admin", raise_if_not_found=False) or user
        return user

    def _dunning_schedule_fallback_activity(self, communication, reason):
        """A reminder could not be delivered: ask the collector to reach the customer otherwise."""
        self.ensure_one()
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=communication.dunning_date,
            summary=self.env._("Dunning reminder not delivered: %(level)s", level=communication.level_id.name),
            note=Markup("<p>%s</p>") % reason,
            user_id=self._dunning_collector().id,
        )

    @api.model
    def _dunning_schedule_level_activities(self, communications):
        """Schedule, in one go, the collector activities of the levels the customers reached."""
        model_id = self.env["ir.model"]._get_id("res.partner")
        values = [
            {
                "res_model_id": model_id,
                "res_id": communication.partner_id.id,
                "activity_type_id": communication.level_id.activity_type_id.id,
                "summary": communication.level_id.name,
                "note": Markup("<p>%s</p>") % communication.name,
                "date_deadline": fields.Date.add(
                    communication.dunning_date, days=communication.level_id.activity_delay_days
                ),
                "user_id": communication.partner_id._dunning_collector().id,
            }
            for communication in communications
            if communication.level_id.activity_type_id
        ]
        if values:
            self.env["mail.activity"].sudo().create(values)

    def _dunning_apply_escalation(self, communications):
        """Put the level's warning on customers that reached a level which sets one."""
        for communication in communications.filtered(lambda c: c.level_id.set_invoice_warning):
            level = communication.level_id
            communication.partner_id.sudo().with_company(communication.company_id).dunning_invoice_warning = (
                level.invoice_warning
                or self.env._("This customer is in dunning (%(level)s).", level=level.name)
            )
