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

registry.category("web_tour.tours").add("dunning_portal_pay", {
    steps: () => [
        {
            content: "Tick the first overdue invoice",
            trigger: ".o_dunning_invoices tbody tr:has(.badge:contains('Overdue')):first input[name=move_ids]",
            run: "click",
        },
        {
            content: "Tick the second overdue invoice",
            trigger: ".o_dunning_invoices tbody tr:has(.badge:contains('Overdue')):last input[name=move_ids]",
            run: "click",
        },
        {
            content: "Pay them now",
            trigger: ".o_dunning_pay_selected",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Both invoices are on the payment page, for their total",
            trigger: ".o_dunning_pay_invoices tbody tr:nth-child(2)",
        },
        {
            trigger: ".o_dunning_pay_total:contains('1,300.00')",
        },
        {
            content: "Enter the demo card",
            trigger: "input[name=customer_input]",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "button[name=o_payment_submit_button]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back on the statement, the payment is confirmed",
            trigger: ".o_dunning_message:contains('Thank you for your payment')",
            timeout: 30000,
        },
        {
            content: "No overdue invoice is left, the invoice not yet due is",
            trigger: ".o_dunning_invoices tbody:not(:has(.badge:contains('Overdue'))):has(.badge:contains('Due'))",
        },
        {
            content: "The payment is listed",
            trigger: ".o_dunning_payments tbody tr",
        },
    ],
});

registry.category("web_tour.tours").add("dunning_resolve_dispute", {
    url: "/odoo/action-dunning_automation.action_dunning_promise",
    steps: () => [
        {
            content: "The customer's promise to pay is listed",
            trigger: ".o_data_row:contains('Tour Debtor'):contains('Open')",
        },
        {
            content: "Open the disputes",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Customers')",
            run: "click",
        },
        {
            trigger: ".dropdown-menu a:contains('Disputes')",
            run: "click",
        },
        {
            content: "Open the dispute about the amount",
            trigger: ".o_data_row:contains('Tour Debtor'):contains('Wrong amount') td.o_data_cell",
            run: "click",
        },
        {
            content: "Reply to the customer",
            trigger: "div[name=reply] textarea",
            run: "edit The amount matches the signed quotation.",
        },
        {
            content: "Reject the dispute",
            trigger: "button[name=action_reject]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Rejected')",
        },
        {
            content: "Back to the open disputes",
            trigger: ".o_breadcrumb a:contains('Disputes')",
            run: "click",
        },
        {
            content: "Open the dispute about goods not received",
            trigger: ".o_data_row:contains('Tour Debtor'):contains('not received') td.o_data_cell",
            run: "click",
        },
        {
            content: "The customer is right",
            trigger: "button[name=action_accept]",
            run: "click",
        },
        {
            content: "Credit part of the invoice only",
            trigger: ".modal div[name=credit_type] input[data-value=amount]",
            run: "click",
        },
        {
            trigger: ".modal div[name=amount] input",
            run: "edit 100",
        },
        {
            content: "Issue the credit note",
            trigger: ".modal button[name=action_create_credit_note]",
            run: "click",
        },
        {
            content: "The credit note opens",
            trigger: ".o_form_view .o_breadcrumb:contains('RINV')",
        },
    ],
});

registry.category("web_tour.tours").add("dunning_portal_fresh_link", {
    steps: () => [
        {
            content: "The expired link says so",
            trigger: ".o_dunning_invalid_link h3:contains('expired')",
        },
        {
            content: "Ask for a fresh link",
            trigger: ".o_dunning_fresh_link_form input[name=email]",
            run: "edit ap@cascade.example.com",
        },
        {
            trigger: ".o_dunning_fresh_link_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The answer tells nothing about the address",
            trigger: ".o_dunning_fresh_link_sent:contains('If this address is the one we have on file')",
        },
    ],
});
