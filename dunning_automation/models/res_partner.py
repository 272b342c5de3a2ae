# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from datetime import timedelta
from functools import cache

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError
from odoo.tools import email_normalize, formatLang, get_lang
from odoo.tools.misc import consteq, hmac

STATEMENT_TOKEN_SCOPE = "dunning_automation.statement"
PAYMENT_TOKEN_SCOPE = "dunning_automation.payment"
STATEMENT_HISTORY_DAYS = 365
# Promises and disputes a customer may submit from the portal per hour.
PORTAL_RATE_LIMIT = 5
OPEN_INVOICE_DOMAIN = [
    ("move_type", "=", "out_invoice"),
    ("state", "=", "posted"),
    ("payment_state", "not in", ("in_payment", "paid", "reversed", "blocked", "invoicing_legacy")),
]

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
    dunning_promise_ids = fields.One2many(
        "dunning.promise", "partner_id", string="Promises to Pay",
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    dunning_dispute_ids = fields.One2many(
        "dunning.dispute", "partner_id", string="Disputes",
        groups="account.group_account_invoice,account.group_account_readonly",
    )
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
        last_dates = self.env["dunning.planner"]._last_reminder_dates(self.env.company, self.commercial_partner_id.ids)
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

    # ------------------------------------------------------------------
    # CUSTOMER PORTAL
    # ------------------------------------------------------------------

    def _dunning_statement_token(self, company, expires):
        """The signature of a statement link of this commercial partner at ``company``."""
        self.ensure_one()
        return hmac(self.env(su=True), STATEMENT_TOKEN_SCOPE, (company.id, self.id, expires.isoformat()))

    def _dunning_statement_query(self, company, from_date):
        """The query parameters of a fresh statement link, valid for the company's link validity."""
        self.ensure_one()
        expires = from_date + timedelta(days=company.dunning_statement_link_days)
        return {
            "company_id": company.id,
            "partner_id": self.id,
            "expires": expires.isoformat(),
            "token": self._dunning_statement_token(company, expires),
        }

    @api.model
    def _dunning_statement_access(self, company_id, partner_id, expires, token):
        """(company, commercial partner) a statement link gives access to, or None when it is
        forged, altered or expired. The signature is compared in constant time."""
        try:
            company_id, partner_id = int(company_id), int(partner_id)
            expires_date = fields.Date.to_date(expires)
        except (TypeError, ValueError):
            return None
        if not token or not expires_date or expires_date < fields.Date.context_today(self):
            return None
        expected = hmac(self.env(su=True), STATEMENT_TOKEN_SCOPE, (company_id, partner_id, expires_date.isoformat()))
        if not consteq(expected, str(token)):
            return None
        company = self.env["res.company"].sudo().browse(company_id).exists()
        partner = self.sudo().browse(partner_id).exists()
        if not company or not partner or partner.commercial_partner_id != partner:
            return None
        return company, partner

    def _dunning_payable_invoices(self, company, move_ids=None, currency_id=None):
        """The open invoices the customer asked to pay: ``move_ids``, or else everything overdue
        (and not disputed) in ``currency_id``. One payment is in one currency.

        :raise MissingError: an id is not an open invoice of this customer at this company
        :raise UserError: nothing to pay, or invoices in several currencies
        """
        self.ensure_one()
        if move_ids:
            moves = self._dunning_open_invoices(company, [("id", "in", move_ids)])
            if len(moves) != len(set(move_ids)):
                raise MissingError(self.env._("This invoice does not exist."))
        else:
            today = fields.Date.context_today(self)
            moves = self._dunning_open_invoices(
                company, [("invoice_date_due", "<", today), ("currency_id", "=", currency_id)]
            ).filtered(lambda move: move._dunning_portal_status(today) != "disputed")
        if not moves:
            raise UserError(self.env._("There is nothing to pay: please tick the invoices you want to pay."))
        if len(moves.currency_id) > 1:
            raise UserError(self.env._("Please pay the invoices of each currency separately."))
        return moves

    def _dunning_payment_token(self, company, moves):
        """A token that lets the payment form pay ``moves``, open invoices of this customer at
        ``company``: ``company-partner-ids-signature``."""
        self.ensure_one()
        move_ids = tuple(sorted(moves.ids))
        signature = hmac(self.env(su=True), PAYMENT_TOKEN_SCOPE, (company.id, self.id, move_ids))
        return f"{company.id}-{self.id}-{'.'.join(map(str, move_ids))}-{signature}"

    @api.model
    def _dunning_payment_access(self, token):
        """(company, commercial partner, invoice ids) a payment token was issued for, or None
        when it is forged or altered. The signature is compared in constant time."""
        try:
            company_id, partner_id, move_ids, signature = str(token).split("-")
            company_id, partner_id = int(company_id), int(partner_id)
            move_ids = tuple(int(move_id) for move_id in move_ids.split("."))
        except ValueError:
            return None
        expected = hmac(self.env(su=True), PAYMENT_TOKEN_SCOPE, (company_id, partner_id, move_ids))
        if not consteq(expected, signature):
            return None
        return self.env["res.company"].sudo().browse(company_id), self.sudo().browse(partner_id), move_ids

    def _dunning_open_invoice_domain(self, company):
        self.ensure_one()
        return [("company_id", "=", company.id), ("commercial_partner_id", "=", self.id), *OPEN_INVOICE_DOMAIN]

    def _dunning_overdue_count(self, company):
        """How many open invoices the statement shows as overdue (neither promised nor disputed)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        return self.env["account.move"].sudo().search_count([
            *self._dunning_open_invoice_domain(company),
            ("invoice_date_due", "<", today),
            "|", "|",
            ("dunning_paused_until", "=", False),
            ("dunning_paused_until", "<", today),
            ("dunning_pause_reason", "not in", ("promise", "dispute")),
        ])

    def _dunning_open_invoices(self, company, extra_domain=()):
        """Open customer invoices of this commercial partner at ``company``, as a sudo search."""
        return self.env["account.move"].sudo().search_fetch(
            [*self._dunning_open_invoice_domain(company), *extra_domain],
            [
                "name", "invoice_date", "invoice_date_due", "amount_total", "amount_residual", "currency_id",
                "dunning_paused_until", "dunning_pause_reason", "access_token",
            ],
            order="invoice_date_due, id",
        )

    def _dunning_statement_values(self, company, today):
        """Everything the account statement shows, read in a few set-based queries.

        The open invoices' dates and amounts are formatted here, once per line with the
        language's format: the QWeb widgets cost too much on a statement of 1,000 invoices.
        """
        self.ensure_one()
        moves = self._dunning_open_invoices(company)
        moves._portal_ensure_tokens()
        date_format = get_lang(self.env).date_format

        @cache  # an unpaid invoice's total and residual are the same amount, formatted once
        def amount(value, currency):
            return formatLang(self.env, value, currency_obj=currency)

        totals = defaultdict(lambda: {"residual": 0.0, "overdue": 0.0})
        invoices = []
        for move in moves:
            status = move._dunning_portal_status(today)
            currency = move.currency_id
            invoices.append({
                "move": move,
                "status": status,
                "invoice_date": move.invoice_date and move.invoice_date.strftime(date_format),
                "date_due": move.invoice_date_due and move.invoice_date_due.strftime(date_format),
                "days_overdue": max((today - move.invoice_date_due).days, 0) if move.invoice_date_due else 0,
                "amount_total": amount(move.amount_total, currency),
                "amount_residual": amount(move.amount_residual, currency),
                "url": move.get_portal_url(),
            })
            totals[currency]["residual"] += move.amount_residual
            if status == "overdue":
                totals[currency]["overdue"] += move.amount_residual
        since = today - timedelta(days=STATEMENT_HISTORY_DAYS)
        payments = self.env["account.payment"].sudo().search_fetch(
            [
                ("company_id", "=", company.id),
                ("partner_id.commercial_partner_id", "=", self.id),
                ("partner_type", "=", "customer"),
                ("payment_type", "=", "inbound"),
                ("state", "in", ("in_process", "paid")),
                ("date", ">=", since),
            ],
            ["name", "date", "amount", "currency_id", "memo"],
            order="date desc, id desc",
        )
        credit_notes = self.env["account.move"].sudo().search_fetch(
            [
                ("company_id", "=", company.id),
                ("commercial_partner_id", "=", self.id),
                ("move_type", "=", "out_refund"),
                ("state", "=", "posted"),
                ("invoice_date", ">=", since),
            ],
            ["name", "invoice_date", "amount_total", "amount_residual", "currency_id"],
            order="invoice_date desc, id desc",
        )
        return {
            "invoices": invoices,
            "totals": [
                {
                    "currency": currency,
                    "residual": amount(total["residual"], currency),
                    "overdue": amount(total["overdue"], currency),
                    "has_overdue": not currency.is_zero(total["overdue"]),
                }
                for currency, total in sorted(totals.items(), key=lambda item: item[0].name)
            ],
            "payments": payments,
            "credit_notes": credit_notes,
        }

    def _dunning_statement_pdf(self, company):
        """(PDF bytes, file name) of this commercial partner's account statement at ``company``,
        in the partner's language."""
        self.ensure_one()
        report = self.env["ir.actions.report"].sudo().with_company(company).with_context(lang=self.lang)
        pdf, _report_type = report._render_qweb_pdf("dunning_automation.action_report_dunning_statement", self.ids)
        return pdf, self.env._("Statement - %(partner)s.pdf", partner=self.name)

    def _dunning_check_portal_rate_limit(self):
        """Refuse a promise or dispute when the customer already sent too many this hour."""
        self.ensure_one()
        # the database clock, the one ``create_date`` is written with
        since = fields.Datetime.subtract(self.env.cr.now(), hours=1)
        recent = sum(
            self.env[model].sudo().search_count([("partner_id", "=", self.id), ("create_date", ">=", since)])
            for model in ("dunning.promise", "dunning.dispute")
        )
        if recent >= PORTAL_RATE_LIMIT:
            raise UserError(self.env._("Too many requests: please try again in an hour or contact us directly."))
