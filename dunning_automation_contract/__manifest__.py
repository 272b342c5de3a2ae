# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Dunning Automation - Contracts",
    "summary": "Suspend OCA contracts whose invoices could not be charged, resume them "
    "once paid",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/dunning-automation/dunning_automation",
    "author": "Dunning Automation Contributors, Odoo Community Association (OCA)",
    "maintainers": ["dunning-automation"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "depends": ["dunning_automation", "contract"],
    "data": [
        "views/contract_contract_views.xml",
    ],
    "auto_install": True,
}
