# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Failed token charges: soft or hard decline, and when to try again.

Plain Python (no Odoo import), shared by ``dunning.payment.attempt`` and the retry
simulation of ``bench/bench_payment_retry.py``. Returns codes; the model translates
them.
"""

import re
from collections import Counter
from datetime import datetime, time, timedelta

SOFT = "soft"
HARD = "hard"

# Decline reasons: the code, its kind, and the words providers use for it (lower case,
# matched on word boundaries in the transaction's state message).
REASON_INSUFFICIENT_FUNDS = "insufficient_funds"
REASON_PROCESSING_ERROR = "processing_error"
REASON_PROVIDER_UNAVAILABLE = "provider_unavailable"
REASON_PENDING_TOO_LONG = "pending_too_long"
REASON_DECLINED = "declined"
REASON_STOLEN = "stolen"
REASON_CLOSED = "closed"
REASON_EXPIRED = "expired"
REASON_NO_TOKEN = "no_token"

REASON_KINDS = {
    REASON_INSUFFICIENT_FUNDS: SOFT,
    REASON_PROCESSING_ERROR: SOFT,
    REASON_PROVIDER_UNAVAILABLE: SOFT,
    REASON_PENDING_TOO_LONG: SOFT,
    REASON_DECLINED: HARD,
    REASON_STOLEN: HARD,
    REASON_CLOSED: HARD,
    REASON_EXPIRED: HARD,
    REASON_NO_TOKEN: HARD,
}

# Checked in this order: "do not honor, card stolen" is stolen, not declined.
_PATTERNS = [
    (REASON_STOLEN, r"stolen|lost card|pickup card|pick up card|fraud"),
    (REASON_CLOSED, r"closed|account.{0,10}(blocked|deactivated)|revoked"),
    (REASON_EXPIRED, r"expired|expiry|expiration"),
    (REASON_INSUFFICIENT_FUNDS, r"insufficient|not enough|funds|limit exceeded"),
    (
        REASON_PROVIDER_UNAVAILABLE,
        r"unavailable|timed? ?out|timeout|try again later|rate limit|connection",
    ),
    (REASON_PROCESSING_ERROR, r"processing error|temporar|retry"),
    (REASON_DECLINED, r"declined|do not honou?r|invalid (card|account|number)"),
]
_COMPILED = [(code, re.compile(rf"\b({words})", re.I)) for code, words in _PATTERNS]

DEFAULT_RETRY_DAYS = (1, 3, 5, 7)
# When the customer has no successful payment to learn from.
DEFAULT_RETRY_HOUR = 10


def classify(state, message, token_usable=True):
    """The decline reason code of a transaction that failed in ``state`` ('error' or
    'cancel') with the provider's ``message``.

    A token that is gone (archived, deleted) is a hard decline whatever the provider
    said; a message nobody recognises is a processing error (soft): a retry costs
    little, a lost customer much.
    """
    if not token_usable:
        return REASON_NO_TOKEN
    for code, pattern in _COMPILED:
        if message and pattern.search(message):
            return code
    if state == "cancel" and not message:
        return REASON_DECLINED  # the bank (or the card holder) said no, without words
    return REASON_PROCESSING_ERROR


def is_retryable(reason):
    return REASON_KINDS[reason] == SOFT


def parse_retry_days(text):
    """``"1, 3, 5, 7"`` as (1, 3, 5, 7): positive, strictly increasing days after the
    first charge; ValueError otherwise."""
    values = tuple(int(part) for part in text.split(",") if part.strip())
    if (
        not values
        or values[0] <= 0
        or any(b <= a for a, b in zip(values, values[1:], strict=False))
    ):
        raise ValueError(text)
    return values


def usual_hour(hours):
    """The hour of day most of the customer's successful payments happened (the
    earliest of a tie), else the default hour. ``hours``: the hours of the payments, or
    a mapping hour -> count."""
    counts = Counter(hours)
    if not counts:
        return DEFAULT_RETRY_HOUR
    return min(counts, key=lambda hour: (-counts[hour], hour))


def next_retry(first_charge, attempt_no, retry_days, hour):
    """When attempt ``attempt_no + 1`` happens (naive UTC datetime), or None after the
    last retry.

    ``first_charge`` is the datetime of attempt 1; retry ``n`` happens
    ``retry_days[n-1]`` days after it, at ``hour`` (UTC).
    """
    if attempt_no > len(retry_days):
        return None
    day = first_charge.date() + timedelta(days=retry_days[attempt_no - 1])
    return datetime.combine(day, time(hour))
