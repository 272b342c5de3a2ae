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

registry.category("web_tour.tours").add("dunning_portal_promise_dispute", {
    steps: () => [
        {
            content: "The statement lists the overdue invoice",
            trigger: ".o_dunning_invoices tr:has(.badge:contains('Overdue')) input[name=move_ids]",
            run: "click",
        },
        {
            content: "Promise to pay it by the suggested date",
            trigger: ".o_dunning_promise_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The promise is recorded and the invoice shows as promised",
            trigger: ".o_dunning_message:contains('promise to pay is recorded')",
        },
        {
            trigger: ".o_dunning_invoices tr .badge:contains('Promised')",
        },
        {
            content: "Dispute the other invoice",
            trigger: "select[name=move_id]",
            run: "selectByIndex 1",
        },
        {
            trigger: "select[name=reason]",
            run: "selectByLabel Already paid",
        },
        {
            trigger: "textarea[name=message]",
            run: "edit We paid it by bank transfer last week.",
        },
        {
            content: "Attach the proof of payment",
            trigger: "input[name=attachment]",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(new File(["%PDF-1.4\n%proof\n"], "proof.pdf", { type: "application/pdf" }));
                this.anchor.files = transfer.files;
            },
        },
        {
            trigger: ".o_dunning_dispute_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The dispute is recorded",
            trigger: ".o_dunning_message:contains('dispute is recorded')",
        },
        {
            trigger: ".o_dunning_invoices tr .badge:contains('Disputed')",
        },
    ],
});
