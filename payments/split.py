"""The one rule that splits a booking's money between provider and platform."""


def split_amount(amount_cents: int, rate_bp: int) -> tuple[int, int]:
    """Return `(provider_cents, commission_cents)` for `amount_cents` at `rate_bp` basis points.

    Rounding rule (the only one in Servizo): commission = amount * rate / 10 000 rounded
    half up to a whole cent, computed in integers as `(amount * rate_bp + 5 000) // 10 000`.
    The provider gets the rest, so the two parts always sum to the amount exactly.
    """
    if amount_cents < 0 or not 0 <= rate_bp <= 10_000:
        raise ValueError("Amount must be non-negative and the rate between 0 and 10 000 basis points.")
    commission = (amount_cents * rate_bp + 5_000) // 10_000
    return amount_cents - commission, commission
