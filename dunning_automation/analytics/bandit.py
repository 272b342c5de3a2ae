# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Per-segment Thompson sampling over a level's arms (variants, channels), with
Beta(1, 1) priors on the paid-within-14-days rate, and a simulator that measures its
regret against uniform assignment."""

import numpy as np


class ThompsonSampler:
    """Beta-Bernoulli bandit, one posterior per (segment, arm)."""

    def __init__(self, arms, seed=None):
        self.arms = list(arms)
        self.successes = {}
        self.failures = {}
        self.rng = np.random.default_rng(seed)

    def _counts(self, segment):
        zeros = np.zeros(len(self.arms))
        return (
            self.successes.setdefault(segment, zeros.copy()),
            self.failures.setdefault(segment, zeros.copy()),
        )

    def observe(self, segment, arm, paid, count=1):
        """Learn ``count`` outcomes (paid or not) of ``arm`` in ``segment``."""
        successes, failures = self._counts(segment)
        index = self.arms.index(arm)
        if paid:
            successes[index] += count
        else:
            failures[index] += count

    def choose(self, segment):
        """The arm for the next message: the best of one draw of each posterior."""
        successes, failures = self._counts(segment)
        draws = self.rng.beta(successes + 1, failures + 1)
        return self.arms[int(np.argmax(draws))]

    def recommendation(self, segment, draws=2000):
        """(best arm, {arm: probability it is the best}, {arm: posterior mean rate})."""
        successes, failures = self._counts(segment)
        samples = self.rng.beta(
            successes + 1, failures + 1, size=(draws, len(self.arms))
        )
        wins = np.bincount(np.argmax(samples, axis=1), minlength=len(self.arms))
        prob_best = dict(zip(self.arms, (wins / draws).tolist(), strict=True))
        means = (successes + 1) / (successes + failures + 2)
        best = max(prob_best, key=prob_best.get)
        return best, prob_best, dict(zip(self.arms, means.tolist(), strict=True))


def simulate(true_rates, rounds, seed=0):
    """Play ``rounds`` messages per segment with Thompson sampling and with uniform
    assignment in a world of known ``true_rates`` = {segment: {arm: rate}}.

    :return: {"thompson": cumulative regret, "uniform": cumulative regret,
              "found": {segment: arm the sampler recommends at the end}}
    """
    rng = np.random.default_rng(seed)
    arms = sorted({arm for rates in true_rates.values() for arm in rates})
    sampler = ThompsonSampler(arms, seed=seed + 1)
    regret = {"thompson": 0.0, "uniform": 0.0}
    for segment, rates in true_rates.items():
        best_rate = max(rates.values())
        for _round in range(rounds):
            arm = sampler.choose(segment)
            sampler.observe(segment, arm, rng.random() < rates[arm])
            regret["thompson"] += best_rate - rates[arm]
            regret["uniform"] += best_rate - rates[arms[rng.integers(len(arms))]]
    found = {segment: sampler.recommendation(segment)[0] for segment in true_rates}
    return {**regret, "found": found}
