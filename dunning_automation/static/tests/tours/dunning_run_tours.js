import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dunning_run_now", {
    url: "/odoo/action-dunning_automation.action_dunning_run",
    steps: () => [
        {
            content: "The runs list says why no reminder can be sent",
            trigger: ".o_dunning_configuration_banner:contains('no email address')",
        },
        {
            content: "Run Now, without selecting a run",
            trigger: ".o_control_panel button:contains('Run Now')",
            run: "click",
        },
        {
            content: "The run is started in the background",
            trigger: ".o_notification:contains('started in the background')",
        },
    ],
});

registry.category("web_tour.tours").add("dunning_settings_banner", {
    url: "/odoo/action-account.action_account_config",
    steps: () => [
        {
            content: "The dunning settings say why no reminder can be sent",
            trigger: "div[name=dunning_configuration_banner]:contains('no email address')",
        },
    ],
});
