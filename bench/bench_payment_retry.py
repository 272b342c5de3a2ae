# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Simulate failed token charges with known recoverability per decline type and compare
the addon's retry schedule with a fixed daily retry.

    python3 bench/bench_payment_retry.py [--payments 1000] [--seed 0]

Every failed payment gets a decline type (the mix of ``DECLINES``) and the provider
message of that type, which goes through the addon's own classifier
(``payment_retry.classify``). Whether and when the payment can be recovered is drawn
from the type's known recoverability: a recoverable payment becomes chargeable on some
day after the failure (the customer's salary arrived, the processor is back), after
which a charge succeeds with the type's per-try probability. The strategies then try it
on their days; the first success recovers it. Plain Python, no Odoo.
"""

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dunning_automation"))

import payment_retry

# type: (share of failures, provider message, share recoverable at all, day it becomes
# chargeable (population, weights), success probability per try once chargeable)
DECLINES = {
    "insufficient_funds": (
        0.45,
        "Insufficient funds",
        0.75,
        ((1, 2, 3, 4, 5, 6, 7, 10, 14), (10, 12, 14, 10, 12, 8, 6, 10, 8)),
        0.9,
    ),
    "processing_error": (
        0.15,
        "Processing error, please retry",
        0.9,
        ((1, 2, 3), (70, 20, 10)),
        0.95,
    ),
    "provider_unavailable": (
        0.10,
        "Provider unavailable: timeout",
        0.95,
        ((1, 2), (85, 15)),
        0.95,
    ),
    # a generic decline: a few pass on a later try; the addon does not retry them
    "declined": (
        0.15,
        "Card declined: do not honor",
        0.05,
        ((1, 3, 7), (1, 1, 1)),
        0.5,
    ),
    "stolen": (0.05, "Card reported stolen", 0.0, ((1,), (1,)), 0.0),
    "expired": (0.10, "Card expired", 0.0, ((1,), (1,)), 0.0),
}


# the last day any strategy tries
HORIZON = 14


def make_failures(count, rng):
    """(type, message, day chargeable or None, success probability, the luck of a try
    on each day) per payment: every strategy trying on a day gets the same luck."""
    types = list(DECLINES)
    shares = [DECLINES[name][0] for name in types]
    failures = []
    for name in rng.choices(types, weights=shares, k=count):
        _share, message, recoverable, (days, weights), success = DECLINES[name]
        chargeable = (
            rng.choices(days, weights=weights)[0]
            if rng.random() < recoverable
            else None
        )
        luck = [rng.random() for _day in range(HORIZON + 1)]
        failures.append((name, message, chargeable, success, luck))
    return failures


def addon_days(message, retry_days):
    """The retry days of the addon: its schedule on a soft decline, none on a hard."""
    reason = payment_retry.classify("error", message)
    return retry_days if payment_retry.is_retryable(reason) else ()


def simulate(failures, days_of):
    """Recovered count, retries made, retries made on recovered payments, sum of the
    days of recovery."""
    recovered = retries = recovered_retries = day_sum = 0
    for _name, message, chargeable, success, luck in failures:
        for tries, day in enumerate(days_of(message), 1):
            retries += 1
            if chargeable is not None and day >= chargeable and luck[day] < success:
                recovered += 1
                recovered_retries += tries
                day_sum += day
                break
    return recovered, retries, recovered_retries, day_sum


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    failures = make_failures(args.payments, random.Random(args.seed))
    retry_days = payment_retry.DEFAULT_RETRY_DAYS
    strategies = [
        (
            "addon: soft +1/+3/+5/+7 days, hard never",
            lambda message: addon_days(message, retry_days),
        ),
        (
            "addon: soft +1/+3/+5/+7/+10/+14 days",
            lambda message: addon_days(message, (1, 3, 5, 7, 10, 14)),
        ),
        ("fixed daily retry, 7 days", lambda _message: range(1, 8)),
        ("fixed daily retry, 14 days", lambda _message: range(1, HORIZON + 1)),
    ]
    print(f"{args.payments} failed payments, seed {args.seed}")
    print(
        f"{'strategy':44} {'recovered':>10} {'rate':>6} {'retries':>8} "
        f"{'retries/recovered':>18} {'tries to success':>17} {'mean day':>9}"
    )
    for label, days_of in strategies:
        recovered, retries, recovered_retries, day_sum = simulate(failures, days_of)
        print(
            f"{label:44} {recovered:>10} {recovered / len(failures):>6.1%} "
            f"{retries:>8} {retries / max(recovered, 1):>18.2f} "
            f"{recovered_retries / max(recovered, 1):>17.2f} "
            f"{day_sum / max(recovered, 1):>9.2f}"
        )


if __name__ == "__main__":
    main()
