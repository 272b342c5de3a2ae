# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import formataddr

# (xml id of the email template, trigger days, days since previous reminder, final
# notice)
DEFAULT_LEVELS = [
    ("mail_template_dunning_courtesy", -3, 0, False),
    ("mail_template_dunning_first", 7, 7, False),
    ("mail_template_dunning_second", 21, 10, False),
    ("mail_template_dunning_final", 45, 14, True),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    dunning_policy_id = fields.Many2one(
        "dunning.policy",
        string="Default Dunning Policy",
        domain="[('company_id', '=', id)]",
        help="The policy for customers that have none of their own.",
    )
    dunning_policy_ids = fields.One2many(
        "dunning.policy", "company_id", string="Dunning Policies"
    )
    dunning_tolerance = fields.Monetary(
        currency_field="currency_id",
        help="Customers whose overdue total is below this amount are not reminded.",
    )
    dunning_responsible_id = fields.Many2one(
        "res.users",
        domain="[('share', '=', False), ('company_ids', 'in', id)]",
        help="Gets the dunning activities of customers without a collector: promises, "
        "disputes, undelivered reminders.",
    )
    dunning_statement_link_days = fields.Integer(
        string="Statement Link Validity (days)",
        default=60,
        help="How long the account statement link sent with every reminder stays "
        "valid.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._dunning_create_default_policies()
        return companies

    def _dunning_create_default_policies(self):
        """Give the companies without a default policy the four standard levels."""
        names = [
            self.env._("Courtesy reminder"),
            self.env._("First reminder"),
            self.env._("Second reminder"),
            self.env._("Final notice"),
        ]
        for company in self.filtered(lambda company: not company.dunning_policy_id):
            templates = [
                self.env.ref(f"dunning_automation.{xmlid}", raise_if_not_found=False)
                for xmlid, *_rest in DEFAULT_LEVELS
            ]
            if not all(templates):
                # module being installed: the data file calls this again with the
                # templates
                return
            policy = (
                self.env["dunning.policy"]
                .sudo()
                .create(
                    {
                        "name": self.env._("Standard dunning"),
                        "company_id": company.id,
                        "level_ids": [
                            Command.create(
                                {
                                    "name": name,
                                    "sequence": index * 10,
                                    "trigger_days": trigger_days,
                                    "min_days_since_previous": min_days,
                                    "channel": "email",
                                    "mail_template_id": template.id,
                                    "is_final_notice": final,
                                    "set_invoice_warning": final,
                                }
                            )
                            for index, (
                                name,
                                template,
                                (_xmlid, trigger_days, min_days, final),
                            ) in enumerate(
                                zip(names, templates, DEFAULT_LEVELS, strict=True)
                            )
                        ],
                    }
                )
            )
            company.sudo().dunning_policy_id = policy

    def _dunning_demo_install_chart(self):
        """Demo data: give the demo companies the generic chart of accounts."""
        for company in self.filtered(lambda company: not company.chart_template):
            self.env["account.chart.template"].try_loading(
                "generic_coa", company, install_demo=False
            )

    def _dunning_demo_payment_history(self, days_late_by_partner):
        """Demo data: a year of monthly invoices per customer up to last month, each
        paid its given days after its due date (left open when that day is still to
        come), then the customers' late-payment risk scored as the weekly scheduled
        action does.

        :param days_late_by_partner: {partner id: [days late of each month's invoice,
            oldest first]}
        """
        self.ensure_one()
        today = fields.Date.context_today(self)
        journal = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.id)], limit=1
        )
        product = {"name": "Monthly supply", "quantity": 1}
        for partner_id, days_late in days_late_by_partner.items():
            months = len(days_late)
            invoices = self.env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "company_id": self.id,
                        "journal_id": journal.id,
                        "partner_id": int(partner_id),
                        "invoice_date": today - relativedelta(months=months - index),
                        "invoice_date_due": today
                        - relativedelta(months=months - 1 - index),
                        "invoice_line_ids": [
                            Command.create(
                                {**product, "price_unit": 800 + 50 * (index % 5)}
                            )
                        ],
                    }
                    for index in range(months)
                ]
            )
            invoices.action_post()
            for invoice, late in zip(invoices, days_late, strict=True):
                if invoice.invoice_date_due + relativedelta(days=late) > today:
                    continue  # paid in the future: still open today
                self.env["account.payment.register"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                ).create(
                    {
                        "payment_date": invoice.invoice_date_due
                        + relativedelta(days=late)
                    }
                )._create_payments()
        self.env["dunning.risk.scoring"]._score_company(self)

    def _dunning_sender(self):
        """The address reminders leave from: the company's own, else the one Odoo itself
        falls back on (the alias domain's catchall, then its notifications address or
        ``--email-from``)."""
        self.ensure_one()
        if self.email_formatted:
            return self.email_formatted
        default_from = (
            self.env["ir.mail_server"].with_company(self)._get_default_from_address()
        )
        return formataddr((self.name, default_from)) if default_from else False

    @api.model
    def dunning_configuration_problems(self):
        """The configuration problems of the current companies, for the banner."""
        return [
            problem
            for company in self.env.companies
            if (problem := company._dunning_configuration_problem())
        ]

    def _dunning_configuration_problem(self):
        """Why no reminder of this company can be sent (every email fails), or False."""
        self.ensure_one()
        if self._dunning_sender():
            return False
        return self.env._(
            "The company %(company)s has no email address and Odoo has no default "
            "sender for it: no reminder can be sent. Set the company's email in "
            "Settings > Companies, or an alias domain in Settings > Technical > Email: "
            "Alias Domains.",
            company=self.name,
        )
