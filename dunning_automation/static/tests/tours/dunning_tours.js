import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("dunning_configure_level", {
    url: "/odoo/action-dunning_automation.action_dunning_policy",
    steps: () => [
        {
            content: "Open the company's standard policy",
            trigger: ".o_data_row td.o_data_cell:contains('Standard dunning')",
            run: "click",
        },
        {
            content: "Add a level",
            trigger: "div[name=level_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Name it",
            trigger: "div[name=level_ids] .o_selected_row div[name=name] input",
            run: "edit Legal notice",
        },
        {
            content: "Trigger 75 days after the due date",
            trigger: "div[name=level_ids] .o_selected_row div[name=trigger_days] input",
            run: "edit 75",
        },
        {
            content: "Choose its email template",
            trigger: "div[name=level_ids] .o_selected_row div[name=mail_template_id] input",
            run: "edit Final notice",
        },
        {
            content: "Pick the final notice template",
            trigger: ".o-autocomplete--dropdown-item a:contains('Dunning: Final notice')",
            run: "click",
        },
        ...stepUtils.saveForm(),
        {
            content: "The new level is saved in the policy",
            trigger: "div[name=level_ids] .o_data_row td:contains('Legal notice')",
        },
    ],
});

registry.category("web_tour.tours").add("dunning_preview", {
    url: "/odoo/action-dunning_automation.action_dunning_invoices",
    steps: () => [
        {
            content: "Open the Dunning menu",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Customers')",
            run: "click",
        },
        {
            content: "Open the preview",
            trigger: ".dropdown-menu a:contains('Preview')",
            run: "click",
        },
        {
            content: "The customer with an overdue invoice would get the first reminder",
            trigger: ".modal div[name=line_ids] .o_data_row:contains('Tour Customer'):contains('First reminder')",
        },
        {
            content: "The customer without an email address is flagged before the run",
            trigger: ".modal div[name=line_ids] .o_data_row:contains('Tour Customer Without Email'):contains('email')",
        },
        {
            content: "Close the preview: nothing was sent",
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
