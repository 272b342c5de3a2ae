import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dunning_dashboard", {
    url: "/odoo/action-dunning_automation.action_dunning_dashboard",
    steps: () => [
        {
            content: "The headline KPIs are shown",
            trigger: ".o_dunning_dashboard .o_dunning_kpi_dso",
        },
        {
            content: "Change the period to the last 12 months",
            trigger: ".o_dunning_periods button[data-period='12m']",
            run: "click",
        },
        {
            content: "The dashboard reloads on the new period",
            trigger: ".o_dunning_dashboard[data-period='12m'] .o_dunning_periods button.btn-primary[data-period='12m']",
        },
        {
            content: "Drill down to the invoices of the 31-60 days bucket",
            trigger: ".o_dunning_aging a[data-bucket='31_60']",
            run: "click",
        },
        {
            content: "The invoice of that bucket is listed",
            trigger: ".o_list_view .o_data_row:contains('Tour Aging Customer')",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "Open a level's uplift",
            trigger: ".o_dunning_effectiveness a:contains('Second reminder')",
            run: "click",
        },
        {
            content: "The level says what its experiment earned",
            trigger: ".o_form_view .o_field_widget[name=experiment_summary]:contains('held out')",
        },
    ],
});
