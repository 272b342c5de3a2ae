# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Hold-out and A/B experiments: deterministic assignment by keyed hash, uplift with
95 % confidence intervals, and the rule that stops a clearly worse variant."""

import hashlib
import hmac
import math
from dataclasses import dataclass

HOLDOUT = "holdout"
# z of a two-sided 95 % interval
Z_95 = 1.959963984540054


def unit_hash(secret, *parts):
    """A number in [0, 1) fixed by ``parts`` and the secret: random to anyone without
    the secret (a customer cannot choose their arm), the same on every run."""
    message = "\x1f".join(str(part) for part in parts).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign(secret, level_id, partner_id, period, holdout_share, variants):
    """The arm of a customer at a level in an experiment period.

    :param holdout_share: share of customers kept out of the message (0 to 1)
    :param variants: [(variant key, weight)] of the running variants, in a stable order
    :return: HOLDOUT, a variant key, or None (no variant: the level's own template)
    """
    if (
        holdout_share > 0
        and unit_hash(secret, "holdout", level_id, partner_id, period) < holdout_share
    ):
        return HOLDOUT
    weighted = [(key, weight) for key, weight in variants if weight > 0]
    total = sum(weight for _key, weight in weighted)
    if not total:
        return None
    point = unit_hash(secret, "variant", level_id, partner_id, period) * total
    for key, weight in weighted:
        point -= weight
        if point < 0:
            return key
    return weighted[-1][0]


@dataclass(frozen=True)
class Interval:
    """A difference between two arms and its 95 % confidence interval."""

    estimate: float
    low: float
    high: float

    @property
    def margin(self):
        return (self.high - self.low) / 2

    @property
    def significant(self):
        """The interval excludes zero."""
        return self.low > 0 or self.high < 0


def proportion_difference(successes_a, n_a, successes_b, n_b, z=Z_95):
    """Rate of arm a minus rate of arm b, with a Wald interval (Agresti-Caffo: one
    success and one failure added to each arm, so small or extreme arms stay sane).

    None when an arm is empty."""
    if not n_a or not n_b:
        return None
    rate_a, rate_b = successes_a / n_a, successes_b / n_b
    adj_a = (successes_a + 1) / (n_a + 2)
    adj_b = (successes_b + 1) / (n_b + 2)
    se = math.sqrt(adj_a * (1 - adj_a) / (n_a + 2) + adj_b * (1 - adj_b) / (n_b + 2))
    centre = adj_a - adj_b
    # a difference of two rates lies within [-1, 1]
    return Interval(
        rate_a - rate_b, max(centre - z * se, -1.0), min(centre + z * se, 1.0)
    )


def mean_difference(values_a, values_b, z=Z_95):
    """Mean of arm a minus mean of arm b, with a Welch (unequal variances) normal
    interval. None when an arm has fewer than two values."""
    if len(values_a) < 2 or len(values_b) < 2:
        return None
    mean_a = sum(values_a) / len(values_a)
    mean_b = sum(values_b) / len(values_b)
    var_a = sum((v - mean_a) ** 2 for v in values_a) / (len(values_a) - 1)
    var_b = sum((v - mean_b) ** 2 for v in values_b) / (len(values_b) - 1)
    se = math.sqrt(var_a / len(values_a) + var_b / len(values_b))
    diff = mean_a - mean_b
    return Interval(diff, diff - z * se, diff + z * se)


def clearly_worse(successes, n, best_successes, best_n, z=Z_95, min_n=30):
    """A variant is stopped when, with at least ``min_n`` messages in each arm, its rate
    is below the best variant's with the whole interval under zero."""
    if n < min_n or best_n < min_n:
        return False
    interval = proportion_difference(successes, n, best_successes, best_n, z=z)
    return interval is not None and interval.high < 0
