# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Dunning Automation",
    "summary": "Automated reminders for overdue customer invoices: policies, levels, "
    "daily runs, QWeb emails and a tamper-evident audit trail",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/dunning-automation/dunning_automation",
    "author": "Dunning Automation Contributors, Odoo Community Association (OCA)",
    "maintainers": ["dunning-automation"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "depends": [
        "account",
        "account_payment",
        "mail",
        "portal",
        "sms",
        "phone_validation",
        "resource",
    ],
    "external_dependencies": {
        "python": [
            "numpy",
            "pandas",
            "scikit-learn",
            "scipy",
            "threadpoolctl",
            "phonenumbers",
        ],
    },
    "data": [
        # Security
        "security/dunning_security.xml",
        "security/ir.model.access.csv",
        "security/dunning_report_security.xml",
        # Data
        "data/mail_template_data.xml",
        "data/dunning_statement_link_data.xml",
        "data/dunning_policy_data.xml",
        "data/ir_cron_data.xml",
        "data/dunning_payment_data.xml",
        "data/sms_template_data.xml",
        "data/mail_activity_type_data.xml",
        # Views
        "views/dunning_policy_views.xml",
        "views/dunning_level_views.xml",
        "views/dunning_communication_views.xml",
        "views/dunning_run_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/dunning_promise_views.xml",
        "views/dunning_dispute_views.xml",
        "views/portal_templates.xml",
        "views/dunning_payment_attempt_views.xml",
        "views/sms_template_views.xml",
        # Reports
        "report/dunning_statement_report.xml",
        "report/dunning_report_aging_views.xml",
        "report/dunning_report_effectiveness_views.xml",
        "views/dunning_level_experiment_views.xml",
        "views/dunning_dashboard_views.xml",
        # Wizards
        "wizards/dunning_preview_views.xml",
        "wizards/dunning_pause_views.xml",
        "wizards/dunning_dispute_credit_views.xml",
        "wizards/dunning_risk_backtest_views.xml",
        "wizards/dunning_log_call_views.xml",
        # Menus
        "views/dunning_menus.xml",
    ],
    "demo": [
        "demo/dunning_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "dunning_automation/static/src/views/*",
            "dunning_automation/static/src/dashboard/*",
        ],
        "web.assets_tests": [
            "dunning_automation/static/tests/tours/*.js",
        ],
    },
}
