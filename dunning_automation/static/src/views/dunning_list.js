import { onWillStart } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { ListRenderer } from "@web/views/list/list_renderer";
import { listView } from "@web/views/list/list_view";

/** The dunning lists, with a banner for each company that cannot send reminders. */
export class DunningListRenderer extends ListRenderer {
    static template = "dunning_automation.DunningListRenderer";

    setup() {
        super.setup();
        const orm = useService("orm");
        onWillStart(async () => {
            this.dunningProblems = await orm.call("res.company", "dunning_configuration_problems", []);
        });
    }
}

registry.category("views").add("dunning_list", { ...listView, Renderer: DunningListRenderer });
