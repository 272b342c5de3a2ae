# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Time what the weekly risk scoring does with one company's history, outside Odoo.

    python3 bench/bench_risk.py [--invoices 100000] [--partners 5000]

Generates a synthetic history (``risk.make_synthetic_history``) and times fit, invoice
predictions and partner scores, single-threaded as ``dunning.risk.scoring`` runs them.
The SQL extraction and the ORM writes are not included.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dunning_automation"))

import risk
from threadpoolctl import threadpool_limits


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=5_000)
    args = parser.parse_args()
    frame = risk.make_synthetic_history(
        n_partners=args.partners, n_invoices=args.invoices, seed=0
    )
    as_of = frame["invoice_date"].max()
    with threadpool_limits(limits=1, user_api="openmp"):
        start = time.perf_counter()
        model = risk.LatePaymentModel().fit(frame, as_of)
        fitted = time.perf_counter()
        invoices = model.predict(frame, as_of)
        predicted = time.perf_counter()
        partners = model.score_partners(frame, as_of, invoice_scores=invoices)
        scored = time.perf_counter()
    print(
        f"{len(frame)} invoices, {args.partners} partners: fit {fitted - start:.1f}s, "
        f"predict {len(invoices)} open invoices {predicted - fitted:.1f}s, "
        f"score {len(partners)} partners {scored - predicted:.1f}s, total "
        f"{scored - start:.1f}s "
        f"(fallback: {model.fallback_reason_})"
    )


if __name__ == "__main__":
    main()
