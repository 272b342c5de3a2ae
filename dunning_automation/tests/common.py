# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

# Every test works at this date (never today's): a Monday.
TODAY = date(2026, 3, 16)


def days(offset):
    """The date ``offset`` days from TODAY."""
    return TODAY + timedelta(days=offset)


def post_overdue_invoice(env, partner, days_overdue, amount=250.0):
    """Post an invoice of ``partner`` due ``days_overdue`` days before the real today:
    for the browser tests, whose server runs on the real clock (the outcome does not
    depend on the day)."""
    due = fields.Date.today() - timedelta(days=days_overdue)
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": due - timedelta(days=30),
            "invoice_date_due": due,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Service",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [],
                    }
                )
            ],
        }
    )
    invoice.action_post()
    return invoice


class DunningCommon(AccountTestInvoicingCommon):
    """An accounting company with the default four-level policy, customers and invoice
    builders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.email = "billing@company-a.example.com"
        cls.policy = cls.company.dunning_policy_id
        cls.courtesy, cls.first, cls.second, cls.final = cls.policy.level_ids.sorted(
            "sequence"
        )
        cls.customer = cls._customer("Cascade Foods", "ap@cascade.example.com")
        cls.other_customer = cls._customer("Harbor Tools", "billing@harbor.example.com")

    @classmethod
    def _customer(cls, name, email=None, **values):
        return cls.env["res.partner"].create(
            {"name": name, "email": email, "is_company": True, **values}
        )

    @classmethod
    def _invoice(
        cls, partner, due, amount=1000.0, move_type="out_invoice", post=True, **values
    ):
        """A customer invoice of ``amount`` falling due on ``due`` (a date or a day
        offset)."""
        due = days(due) if isinstance(due, int) else due
        invoice_date = values.pop("invoice_date", None) or due - timedelta(days=30)
        return cls._create_invoice_one_line(
            move_type=move_type,
            price_unit=amount,
            tax_ids=[],
            partner_id=partner,
            invoice_date=invoice_date,
            invoice_date_due=due,
            invoice_payment_term_id=False,
            post=post,
            **values,
        )

    def _run(self, on=TODAY, companies=None):
        """One dunning evaluation on ``on``, in the test transaction (no commit)."""
        with freeze_time(on):
            run = self.env["dunning.run"].create(
                {
                    "date": on,
                    "trigger": "manual",
                    "company_ids": (companies or self.company).ids,
                }
            )
            run._execute(commit=False)
        return run

    def _communications(self, partner=None):
        domain = [("company_id", "=", self.company.id)]
        if partner:
            domain.append(("partner_id", "=", partner.id))
        return self.env["dunning.communication"].search(domain, order="id")


class DunningScheduledCommon(DunningCommon):
    """What the scheduled action evaluates: five customers one invoice overdue each,
    in batches of two, and every company with a sender."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "dunning_automation.batch_size", 2
        )
        cls.cron = cls.env.ref("dunning_automation.ir_cron_dunning_run")
        # the scheduled run covers every company: none of them left without a sender
        cls.env["res.company"].search(
            [("email", "=", False)]
        ).email = "billing@elsewhere.example.com"
        cls.customers = cls.env["res.partner"].create(
            [
                {"name": f"Customer {index}", "email": f"c{index}@example.com"}
                for index in range(5)
            ]
        )
        for customer in cls.customers:
            cls._invoice(customer, days(-8))
