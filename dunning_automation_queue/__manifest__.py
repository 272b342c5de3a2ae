# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Dunning Automation on the Job Queue",
    "summary": "Dunning runs split into one queue job per batch, so that several job "
    "workers share a run",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/dunning-automation/dunning_automation",
    "author": "Dunning Automation Contributors, Odoo Community Association (OCA)",
    "maintainers": ["dunning-automation"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "depends": ["dunning_automation", "queue_job"],
    "data": [
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
    ],
    "auto_install": True,
}
