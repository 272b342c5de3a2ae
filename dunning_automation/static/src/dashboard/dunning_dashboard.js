/* global Chart */
import { Component, onMounted, onWillStart, onWillUnmount, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { _t } from "@web/core/l10n/translation";
import { formatMonetary, formatPercentage } from "@web/views/fields/formatters";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/** The Dunning dashboard: headline KPIs, aging, overdue trend and what each level earns,
 * all from one call to dunning.report.kpi.get_dashboard. */
export class DunningDashboard extends Component {
    static template = "dunning_automation.DunningDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.agingCanvas = useRef("aging");
        this.trendCanvas = useRef("trend");
        this.charts = [];
        this.state = useState({ data: null, period: "3m" });
        this.periods = [
            ["1m", _t("This month")],
            ["3m", _t("Last 3 months")],
            ["12m", _t("Last 12 months")],
        ];
        onWillStart(async () => {
            await loadBundle("web.chartjs_lib");
            await this.load();
        });
        onMounted(() => this.renderCharts());
        onWillUnmount(() => this.destroyCharts());
    }

    async load() {
        this.state.data = await this.orm.call("dunning.report.kpi", "get_dashboard", [], {
            period: this.state.period,
        });
    }

    async setPeriod(period) {
        this.state.period = period;
        await this.load();
        this.renderCharts();
    }

    money(amount) {
        return formatMonetary(amount, { currencyId: this.state.data.currency_id });
    }

    days(value) {
        return value === null ? "—" : value.toFixed(1);
    }

    percent(value) {
        return value === null ? "—" : formatPercentage(value / 100);
    }

    share(value) {
        return formatPercentage(value || 0);
    }

    get headline() {
        const k = this.state.data.kpis;
        return [
            ["dso", _t("DSO"), this.days(k.dso)],
            ["countback_dso", _t("Countback DSO"), this.days(k.countback_dso)],
            ["best_possible_dso", _t("Best Possible DSO"), this.days(k.best_possible_dso)],
            ["add", _t("Average Days Delinquent"), this.days(k.add)],
            ["cei", _t("CEI"), this.percent(k.cei)],
            ["overdue", _t("Overdue"), this.money(k.overdue)],
        ];
    }

    destroyCharts() {
        this.charts.forEach((chart) => chart.destroy());
        this.charts = [];
    }

    renderCharts() {
        this.destroyCharts();
        const data = this.state.data;
        if (this.agingCanvas.el) {
            this.charts.push(
                new Chart(this.agingCanvas.el, {
                    type: "bar",
                    data: {
                        labels: data.aging.map((row) => row.label),
                        datasets: [{ label: _t("Open"), data: data.aging.map((row) => row.amount) }],
                    },
                    options: {
                        animation: false,
                        plugins: { legend: { display: false } },
                        onClick: (_event, elements) => {
                            if (elements.length) {
                                this.openBucket(data.aging[elements[0].index].bucket);
                            }
                        },
                    },
                })
            );
        }
        if (this.trendCanvas.el) {
            this.charts.push(
                new Chart(this.trendCanvas.el, {
                    type: "line",
                    data: {
                        labels: data.months.map((row) => row.month.slice(0, 7)),
                        datasets: [
                            { label: _t("Overdue"), data: data.months.map((row) => row.overdue) },
                            { label: _t("Receivables"), data: data.months.map((row) => row.receivables) },
                        ],
                    },
                    options: { animation: false },
                })
            );
        }
    }

    async openBucket(bucket) {
        const action = await this.orm.call("dunning.report.kpi", "action_open_aging_bucket", [bucket]);
        this.action.doAction(action);
    }

    openLevel(levelId) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "dunning.level",
            res_id: levelId,
            views: [[false, "form"]],
        });
    }
}

registry.category("actions").add("dunning_dashboard", DunningDashboard);
