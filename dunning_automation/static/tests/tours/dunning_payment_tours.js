/* Copyright 2026 Dunning Automation Contributors
   License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

// Started on the "Update payment method" link of an automatic charge's failure email.
registry.category("web_tour.tours").add("dunning_update_card", {
    steps: () => [
        {
            content: "Odoo's payment-method form, for the customer of the link",
            trigger: "#o_payment_form[data-mode=validation]",
        },
        {
            content: "Enter the new demo card",
            trigger: "input[name=customer_input]",
            run: "edit 4111111111111111",
        },
        {
            content: "Save it",
            trigger: "button[name=o_payment_submit_button]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The card is saved",
            trigger: "p:contains('Your payment method has been saved')",
            timeout: 30000,
        },
    ],
});
