# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
from collections import defaultdict
from datetime import date, timedelta
from functools import cache

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError
from odoo.tools import email_normalize, formatLang, get_lang

from .. import engine

STATEMENT_HISTORY_DAYS = 365
# The customer invoices a customer can pay, promise or dispute on the portal
# (``engine``'s open states).
OPEN_INVOICE_DOMAIN = [
    ("move_type", "=", "out_invoice"),
    ("state", "=", engine.POSTED_STATE),
    ("payment_state", "not in", engine.CLOSED_PAYMENT_STATES),
]

# Labels of the risk package's band and segment codes (risk.BAND_NAMES,
# risk.SEGMENT_CODES).
RISK_BANDS = [
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
    ("critical", "Critical"),
]
RISK_SEGMENTS = [
    ("reliable", "Reliable"),
    ("slow_but_steady", "Slow but Steady"),
    ("chronic_late", "Chronic Late"),
    ("large_exposure_at_risk", "Large Exposure at Risk"),
    ("new_customer", "New Customer"),
]
RISK_GROUPS = "account.group_account_invoice,account.group_account_readonly"


# The portal's signed links (statement links, payment tokens) extend res.partner in
# dunning_statement_link.py, apart from the dunning fields and computes here.
class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    dunning_policy_id = fields.Many2one(
        "dunning.policy",
        company_dependent=True,
        domain="[('company_id', '=', current_company_id)]",
        help="Overrides the company's default dunning policy for this customer.",
    )
    dunning_excluded = fields.Boolean(
        string="Exclude from Dunning",
        company_dependent=True,
        help="This customer never gets automated reminders.",
    )
    dunning_no_email = fields.Boolean(
        string="No Dunning Emails", help="The customer opted out of email reminders."
    )
    dunning_no_sms = fields.Boolean(
        string="No Dunning SMS", help="The customer opted out of SMS reminders."
    )
    dunning_no_letter = fields.Boolean(
        string="No Dunning Letters", help="The customer opted out of letters."
    )
    dunning_no_call = fields.Boolean(
        string="No Dunning Calls", help="The customer opted out of phone calls."
    )
    dunning_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        company_dependent=True,
        help="Who follows up this customer's overdue invoices; activities are assigned "
        "to them.",
    )
    dunning_invoice_warning = fields.Text(
        string="Dunning Warning",
        company_dependent=True,
        help="Shown on new invoices of this customer while it is escalated.",
    )
    dunning_contact_id = fields.Many2one(
        "res.partner",
        compute="_compute_dunning_contact_id",
        help="Who receives reminders: the invoice address when there is one, else the "
        "company.",
    )
    dunning_currency_id = fields.Many2one(
        "res.currency", compute="_compute_dunning_amounts"
    )
    dunning_amount_due = fields.Monetary(
        string="Total Due",
        currency_field="dunning_currency_id",
        compute="_compute_dunning_amounts",
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    dunning_amount_overdue = fields.Monetary(
        string="Total Overdue",
        currency_field="dunning_currency_id",
        compute="_compute_dunning_amounts",
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    dunning_amounts_by_currency = fields.Char(
        string="Due per Currency",
        compute="_compute_dunning_amounts",
        groups="account.group_account_invoice,account.group_account_readonly",
        help="What the customer owes in each currency of its documents, as its "
        "statement and reminders show it (the totals above are in the company "
        "currency).",
    )
    dunning_communication_count = fields.Integer(
        compute="_compute_dunning_communication_count",
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    dunning_promise_ids = fields.One2many(
        "dunning.promise",
        "partner_id",
        string="Promises to Pay",
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    dunning_dispute_ids = fields.One2many(
        "dunning.dispute",
        "partner_id",
        string="Disputes",
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    dunning_last_reminder_date = fields.Date(
        string="Last Reminder",
        compute="_compute_dunning_last_reminder_date",
        groups=RISK_GROUPS,
    )
    # Late-payment risk, written per company by dunning.risk.scoring.
    dunning_risk_excluded = fields.Boolean(
        string="Exclude from Risk Scoring",
        groups=RISK_GROUPS,
        help="The customer objected to automated profiling (GDPR Art. 22): it is not "
        "scored and always follows its standard dunning policy.",
    )
    dunning_risk_score = fields.Integer(
        string="Risk Score",
        company_dependent=True,
        readonly=True,
        groups=RISK_GROUPS,
        help="How this customer pays, from 0 (always on time) to 100: the chance that "
        "its open invoices and its next one are paid late, from its payment history. "
        "How overdue it is today is in the priority.",
    )
    dunning_risk_band = fields.Selection(
        RISK_BANDS,
        string="Risk Band",
        company_dependent=True,
        readonly=True,
        groups=RISK_GROUPS,
    )
    dunning_expected_days_late = fields.Float(
        string="Expected Days Late",
        company_dependent=True,
        readonly=True,
        groups=RISK_GROUPS,
        digits=(16, 1),
    )
    dunning_priority = fields.Float(
        string="Collection Priority",
        company_dependent=True,
        readonly=True,
        groups=RISK_GROUPS,
        digits=(16, 0),
        help="Late probability x overdue amount x days overdue, at scoring time: who "
        "to chase first.",
    )
    dunning_segment = fields.Selection(
        RISK_SEGMENTS,
        string="Payment Segment",
        company_dependent=True,
        readonly=True,
        groups=RISK_GROUPS,
    )
    # JSON of the risk package's reason and fallback codes with their parameters (see
    # dunning.risk.scoring), worded in the reader's language by the two computed fields
    # below.
    dunning_risk_reason_data = fields.Text(
        company_dependent=True, readonly=True, groups=RISK_GROUPS
    )
    dunning_risk_reasons = fields.Text(
        string="Risk Reasons", compute="_compute_dunning_risk_texts", groups=RISK_GROUPS
    )
    dunning_risk_fallback = fields.Text(
        string="Scoring Method",
        compute="_compute_dunning_risk_texts",
        groups=RISK_GROUPS,
        help="Set when the late-payment model fell back to each customer's own "
        "history, and why.",
    )
    dunning_risk_date = fields.Date(
        string="Scored On", company_dependent=True, readonly=True, groups=RISK_GROUPS
    )

    @api.depends("dunning_risk_reason_data")
    @api.depends_context("company", "lang")
    def _compute_dunning_risk_texts(self):
        scoring = self.env["dunning.risk.scoring"]
        for partner in self:
            data = json.loads(partner.dunning_risk_reason_data or "null")
            partner.dunning_risk_reasons = (
                "\n".join(scoring._risk_reason_lines(data)) or False
            )
            partner.dunning_risk_fallback = scoring._risk_fallback_note(data)

    @api.depends("child_ids.type", "child_ids.active", "commercial_partner_id")
    def _compute_dunning_contact_id(self):
        for partner in self:
            partner.dunning_contact_id = partner._dunning_contact()

    def _dunning_contact(self):
        """The commercial partner's invoice address, else the commercial partner."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        invoice_contacts = commercial.child_ids.filtered(
            lambda child: child.type == "invoice"
        )
        return invoice_contacts[:1] or commercial

    @api.depends_context("company")
    def _compute_dunning_amounts(self):
        """What the customers owe, from the same open items as the run, the reminders
        and the statement (``_dunning_open_items``), in one query."""
        company = self.env.company
        today = fields.Date.context_today(self)
        commercial = self.commercial_partner_id.filtered(
            "id"
        )  # not the new records of a form
        items_by_partner = defaultdict(list)
        for item in commercial._dunning_open_items(company) if commercial else []:
            items_by_partner[item.partner_id].append(item)
        for partner in self:
            items = items_by_partner[partner.commercial_partner_id.id]
            partner.dunning_currency_id = company.currency_id
            partner.dunning_amount_due = sum(item.amount_residual for item in items)
            partner.dunning_amount_overdue = engine.overdue_total(items, today)
            totals = self._dunning_currency_totals(
                engine.totals_by_currency(items, today)
            )
            partner.dunning_amounts_by_currency = (
                " · ".join(
                    self.env._(
                        "%(due)s (overdue: %(overdue)s)",
                        due=total["residual"],
                        overdue=total["overdue"],
                    )
                    for total in totals
                )
                if any(total["currency"] != company.currency_id for total in totals)
                else False
            )

    @api.depends_context("company")
    def _compute_dunning_last_reminder_date(self):
        last_dates = self.env["dunning.planner"]._last_reminder_dates(
            self.env.company, self.commercial_partner_id.ids
        )
        for partner in self:
            partner.dunning_last_reminder_date = last_dates.get(
                partner.commercial_partner_id.id, False
            )

    def _compute_dunning_communication_count(self):
        counts = dict(
            self.env["dunning.communication"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                groupby=["partner_id"],
                aggregates=["__count"],
            )
        )
        for partner in self:
            partner.dunning_communication_count = counts.get(
                partner.commercial_partner_id, 0
            )

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
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_automation.action_dunning_communication"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action

    # ------------------------------------------------------------------
    # HELPERS FOR THE RUN
    # ------------------------------------------------------------------

    @api.model
    def _dunning_blacklisted_emails(self, emails):
        """The normalized addresses among ``emails`` that are on the mail blacklist."""
        normalized = {email_normalize(email or "") for email in emails} - {False}
        return set(
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", list(normalized))])
            .mapped("email")
        )

    def _dunning_email_problem(self, blacklisted):
        """(failure type, message) when no reminder can be emailed here, else None."""
        self.ensure_one()
        if not self.email:
            return "mail_email_missing", self.env._(
                "The contact %(contact)s has no email address.",
                contact=self.display_name,
            )
        email = email_normalize(self.email)
        if not email:
            return "mail_email_invalid", self.env._(
                "The email address %(email)s is invalid.", email=self.email
            )
        if email in blacklisted:
            return "mail_bl", self.env._(
                "The email address %(email)s is blacklisted.", email=email
            )
        return None

    def _dunning_effective_policy(self, default_policy):
        """The policy chasing this customer in the current company: its own policy, else
        the active policy of the company matching its risk band and segment, else
        ``default_policy``.

        Excluded customers never get a risk-driven policy.
        """
        self.ensure_one()
        if self.dunning_policy_id:
            return self.dunning_policy_id
        if self.dunning_risk_excluded or not (
            self.dunning_risk_band or self.dunning_segment
        ):
            return default_policy
        matching = self.env.company.dunning_policy_ids.filtered(
            lambda policy: policy._matches_risk(self)
        )
        # a rule on band and segment is more specific than a rule on one of them
        return (
            matching.sorted(
                lambda policy: (
                    not (policy.risk_band and policy.risk_segment),
                    policy.sequence,
                    policy.id,
                )
            )[:1]
            or default_policy
        )

    def _dunning_collector(self, moves=None):
        """Who follows this customer up at the current company: its collector, else the
        company's dunning responsible, else the salesperson of ``moves`` (the customer's
        without them), else an accounting manager. Never a portal, public, archived or
        superuser account: an activity assigned to one of them reaches nobody."""
        self.ensure_one()
        company = self.env.company

        def reachable(users):
            return users.sudo().filtered(
                lambda user: (
                    user.active
                    and not user.share
                    and not user._is_superuser()
                    and company in user.company_ids
                )
            )

        salespeople = moves.invoice_user_id if moves else self.user_id
        for users in (
            self.dunning_collector_id,
            company.dunning_responsible_id,
            salespeople,
        ):
            user = reachable(users)[:1]
            if user:
                return user
        managers = reachable(
            self.env.ref("account.group_account_manager").sudo().all_user_ids
        )
        return managers.sorted("id")[:1] or self.env.ref("base.user_admin")

    def _dunning_schedule_fallback_activity(self, communication, reason):
        """A reminder was not delivered: ask the collector to reach the customer."""
        self.ensure_one()
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=communication.dunning_date,
            summary=self.env._(
                "Dunning reminder not delivered: %(level)s",
                level=communication.level_id.name,
            ),
            note=Markup("<p>%s</p>") % reason,
            user_id=self._dunning_collector().id,
        )

    @api.model
    def _dunning_schedule_level_activities(self, communications):
        """Schedule at once the collector activities of the levels customers reached."""
        model_id = self.env["ir.model"]._get_id("res.partner")
        values = [
            {
                "res_model_id": model_id,
                "res_id": communication.partner_id.id,
                "activity_type_id": communication.level_id.activity_type_id.id,
                "summary": communication.level_id.name,
                "note": Markup("<p>%s</p>") % communication.name,
                "date_deadline": fields.Date.add(
                    communication.dunning_date,
                    days=communication.level_id.activity_delay_days,
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
        for communication in communications.filtered(
            lambda c: c.level_id.set_invoice_warning
        ):
            level = communication.level_id
            communication.partner_id.sudo().with_company(
                communication.company_id
            ).dunning_invoice_warning = level.invoice_warning or self.env._(
                "This customer is in dunning (%(level)s).", level=level.name
            )

    # ------------------------------------------------------------------
    # CUSTOMER PORTAL
    # ------------------------------------------------------------------

    def _dunning_payable_invoices(self, company, move_ids=None, currency_id=None):
        """The open invoices the customer asked to pay: ``move_ids``, or else everything
        overdue (and not disputed) in ``currency_id``. One payment is in one currency.

        :raise MissingError: an id is not an open invoice of this customer at this
            company
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
                company, [("currency_id", "=", currency_id)]
            ).filtered(
                lambda move: (
                    move._dunning_portal_status(today) != engine.STATUS_DISPUTED
                    and any(
                        item.is_past_due_on(today)
                        for item in move.line_ids._dunning_engine_items()
                    )
                )
            )
        if not moves:
            raise UserError(
                self.env._(
                    "There is nothing to pay: please tick the invoices you want to pay."
                )
            )
        if len(moves.currency_id) > 1:
            raise UserError(
                self.env._("Please pay the invoices of each currency separately.")
            )
        return moves

    def _dunning_open_invoice_domain(self, company):
        self.ensure_one()
        return [
            ("company_id", "=", company.id),
            ("commercial_partner_id", "=", self.id),
            *OPEN_INVOICE_DOMAIN,
        ]

    def _dunning_overdue_count(self, company):
        """How many invoices the statement shows as overdue (not paused or disputed)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        documents = self._dunning_items_by_document(self._dunning_open_items(company))
        return sum(
            engine.move_status(items, today) == engine.STATUS_OVERDUE
            for (_move_id, is_credit), items in documents.items()
            if not is_credit
        )

    def _dunning_open_items(self, company):
        """The open items of these commercial partners at ``company`` that the engine
        can date, as ``engine.OpenItem`` in one query: what the run chases, the
        reminders total, the statement lists and the customer form sums."""
        if not self:
            return []
        rows = self.env["dunning.planner"].sudo()._fetch_open_items(company, self)
        return engine.split_dated(engine.make_items(rows))[0]

    @api.model
    def _dunning_items_by_document(self, items):
        """{(move id, is credit): its items}: what a statement line shows, the debits of
        a document (an invoice's instalments) or its credits."""
        documents = defaultdict(list)
        for item in items:
            documents[item.move_id, item.is_credit].append(item)
        return documents

    def _dunning_currency_totals(self, totals):
        """``engine.totals_by_currency`` formatted for the statement and the customer
        form, by currency name; ``credit`` is the balance the customer is owed, shown
        instead of a negative amount due when ``in_credit``."""
        currencies = self.env["res.currency"].browse(totals)
        return [
            {
                "currency": currency,
                "residual": formatLang(
                    self.env, totals[currency.id].balance, currency_obj=currency
                ),
                "in_credit": currency.compare_amounts(totals[currency.id].balance, 0)
                < 0,
                "credit": formatLang(
                    self.env, -totals[currency.id].balance, currency_obj=currency
                ),
                "overdue": formatLang(
                    self.env, totals[currency.id].overdue, currency_obj=currency
                ),
                "has_overdue": not currency.is_zero(totals[currency.id].overdue),
            }
            for currency in currencies.sorted("name")
        ]

    def _dunning_open_invoices(self, company, extra_domain=()):
        """Open customer invoices of this commercial partner at ``company``, in sudo."""
        return (
            self.env["account.move"]
            .sudo()
            .search_fetch(
                [*self._dunning_open_invoice_domain(company), *extra_domain],
                [
                    "name",
                    "invoice_date",
                    "invoice_date_due",
                    "amount_total",
                    "amount_residual",
                    "currency_id",
                    "dunning_paused_until",
                    "dunning_pause_reason",
                    "access_token",
                ],
                order="invoice_date_due, id",
            )
        )

    def _dunning_statement_values(self, company, today):
        """Everything the account statement shows, read in a few set-based queries.

        It lists every open item (``_dunning_open_items``): the documents the customer
        owes, one line per document, and its credits (credit notes, payments and other
        credits not yet used), netted into the totals per currency that its reminders
        show too. The dates and amounts are formatted here, once per line with the
        language's format: the QWeb widgets cost too much on a statement of 1,000
        invoices.
        """
        self.ensure_one()
        items = self._dunning_open_items(company)
        documents = self._dunning_items_by_document(items)
        moves = (
            self.env["account.move"]
            .sudo()
            .browse({move_id for move_id, _is_credit in documents})
        )
        moves.fetch(
            [
                "name",
                "move_type",
                "date",
                "invoice_date",
                "amount_total",
                "access_token",
            ]
        )
        moves.filtered(
            lambda move: move.move_type == "out_invoice"
        )._portal_ensure_tokens()
        currencies = self.env["res.currency"].browse(
            {item.currency_id for item in items}
        )
        date_format = get_lang(self.env).date_format

        # an unpaid invoice's total and residual are the same amount, formatted once
        @cache
        def amount(value, currency_id):
            return formatLang(
                self.env, value, currency_obj=currencies.browse(currency_id)
            )

        def format_date(value):
            return value and value.strftime(date_format)

        invoices, credits = [], []
        for (move_id, is_credit), move_items in sorted(
            documents.items(),
            key=lambda document: (
                engine.earliest_due_date(document[1]) or date.max,
                document[0][0],
            ),
        ):
            move = moves.browse(move_id)
            currency_id = move_items[0].currency_id
            residual = amount(
                sum(item.residual_in_currency for item in move_items), currency_id
            )
            if is_credit:
                credits.append(
                    {
                        "move": move,
                        "date": format_date(move.date),
                        "amount_residual": residual,
                    }
                )
                continue
            is_invoice = move.move_type == "out_invoice"
            invoices.append(
                {
                    "move": move,
                    "status": engine.move_status(move_items, today),
                    "payable": is_invoice,
                    "invoice_date": format_date(move.invoice_date or move.date),
                    "date_due": format_date(engine.earliest_due_date(move_items)),
                    "days_overdue": engine.days_overdue(move_items, today),
                    "amount_total": amount(move.amount_total, currency_id)
                    if is_invoice
                    else "",
                    "amount_residual": residual,
                    "url": is_invoice and move.get_portal_url(),
                }
            )
        since = today - timedelta(days=STATEMENT_HISTORY_DAYS)
        payments = (
            self.env["account.payment"]
            .sudo()
            .search_fetch(
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
        )
        return {
            "invoices": invoices,
            "credits": credits,
            "totals": self._dunning_currency_totals(
                engine.totals_by_currency(items, today)
            ),
            "payments": payments,
        }

    def _dunning_statement_pdf(self, company):
        """(PDF bytes, file name) of this commercial partner's account statement at
        ``company``, in the partner's language."""
        self.ensure_one()
        report = (
            self.env["ir.actions.report"]
            .sudo()
            .with_company(company)
            .with_context(lang=self.lang)
        )
        pdf, _report_type = report._render_qweb_pdf(
            "dunning_automation.action_report_dunning_statement", self.ids
        )
        return pdf, self.env._("Statement - %(partner)s.pdf", partner=self.name)
