import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dunning_risk_retrain_backtest", {
    url: "/odoo/action-dunning_automation.action_dunning_invoices",
    steps: () => [
        {
            content: "Open the Customers menu",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Customers')",
            run: "click",
        },
        {
            content: "Retrain the risk model from the Dunning menu",
            trigger: ".dropdown-menu a:contains('Retrain Risk Model')",
            run: "click",
        },
        {
            content: "The user is told what was scored",
            trigger: ".o_notification:contains('customers and'):contains('open invoices scored')",
            timeout: 60000,
        },
        {
            content: "Then the collector worklist opens, the late payer on it",
            trigger: ".o_list_view .o_data_row:contains('Tour Late Payer')",
        },
        {
            content: "Open the backtest",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Customers')",
            run: "click",
        },
        {
            trigger: ".dropdown-menu a:contains('Risk Model Backtest')",
            run: "click",
        },
        {
            content: "Run it with its defaults",
            trigger: ".modal button[name=action_run]",
            run: "click",
        },
        {
            content: "The result in plain words, next to the metrics (one model fit per month: give it time)",
            trigger: ".modal .o_dunning_backtest_explanation:contains('were paid late')",
            timeout: 60000,
        },
        {
            trigger: ".modal td:contains('ROC AUC')",
        },
        {
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
