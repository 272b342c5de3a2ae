# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Command line:
``python3 -m odoo.addons.dunning_automation.risk backtest --csv FILE``."""

import argparse
import json
import logging
import sys

import pandas as pd

from .backtest import backtest
from .synthetic import make_synthetic_history

_logger = logging.getLogger(__name__)

_SUMMARY_FORMAT = {
    "auc": "{:.3f}",
    "brier": "{:.4f}",
    "log_loss": "{:.4f}",
    "pay_date_mae_days": "{:.1f}",
    "top_20_late_share": "{:.1%}",
}


def _format_table(result):
    """Readable model-vs-baseline summary plus per-fold AUC."""
    summary = result.summary
    lines = ["Late-payment backtest: model vs baseline", ""]
    cols = ["n_invoices", "n_folds", *_SUMMARY_FORMAT]
    table = summary[cols].copy().astype(object)
    for col, fmt in _SUMMARY_FORMAT.items():
        table[col] = [fmt.format(v) if pd.notna(v) else "-" for v in summary[col]]
    lines.append(table.to_string())
    lines += ["", "Observed late rate per band (invoices):"]
    bands = pd.DataFrame(
        {
            band: [
                f"{r[f'late_rate_{band}']:.1%} ({int(r[f'n_{band}'])})"
                if r[f"n_{band}"]
                else "-"
                for _, r in summary.iterrows()
            ]
            for band in ("low", "medium", "high", "critical")
        },
        index=summary.index,
    )
    lines.append(bands.to_string())
    folds = result.folds.assign(fold=result.folds["fold"].dt.strftime("%Y-%m-%d"))
    lines += ["", "Per fold:"]
    lines.append(
        folds[
            [
                "fold",
                "n_scored",
                "late_rate",
                "model_auc",
                "baseline_auc",
                "model_brier",
                "baseline_brier",
                "model_pay_date_mae_days",
                "baseline_pay_date_mae_days",
            ]
        ].to_string(index=False, float_format=lambda v: f"{v:.3f}")
    )
    return "\n".join(lines)


def main(argv=None):
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python3 -m odoo.addons.dunning_automation.risk", description=__doc__
    )
    sub = parser.add_subparsers(dest="command", required=True)
    bt = sub.add_parser(
        "backtest", help="rolling-origin backtest of a CSV invoice history"
    )
    bt.add_argument(
        "--csv",
        required=True,
        help="invoice CSV (invoice_id, partner_id, invoice_date, ...)",
    )
    bt.add_argument(
        "--start", help="first fold date (default: first month with enough history)"
    )
    bt.add_argument(
        "--freq", default="MS", help="fold frequency (pandas offset alias, default MS)"
    )
    bt.add_argument("--json", action="store_true", help="print JSON instead of a table")
    syn = sub.add_parser("synthetic", help="write a synthetic invoice history CSV")
    syn.add_argument("--out", required=True)
    syn.add_argument("--partners", type=int, default=800)
    syn.add_argument("--invoices", type=int, default=20000)
    syn.add_argument("--seed", type=int, default=0)
    syn.add_argument("--start", default="2023-01-01")
    syn.add_argument("--end", default="2024-12-31")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )

    if args.command == "synthetic":
        frame = make_synthetic_history(
            args.partners, args.invoices, args.seed, args.start, args.end
        )
        frame.to_csv(args.out, index=False)
        sys.stdout.write(f"wrote {len(frame)} invoices to {args.out}\n")
        return 0
    try:
        frame = pd.read_csv(args.csv, dtype={"invoice_id": str, "partner_id": str})
        result = backtest(frame, start=args.start, freq=args.freq)
    except (OSError, ValueError) as exc:
        _logger.error("%s", exc)
        return 2
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, default=float) + "\n")
    else:
        sys.stdout.write(_format_table(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
