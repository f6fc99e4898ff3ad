import pytest
from hypothesis import given
from hypothesis import strategies as st

from servizo.money import split_amount

RATES = [0, 1, 1250, 1999, 2000, 2001, 3333, 5000, 10_000]


@given(amount=st.integers(min_value=1, max_value=1_000_000), rate=st.sampled_from(RATES))
def test_split_sums_exactly_and_rounds_half_up(amount, rate):
    provider, commission = split_amount(amount, rate)

    assert provider + commission == amount
    assert provider >= 0 and commission >= 0
    # Half up: the commission is the exact share rounded to the nearest cent, halves going up.
    exact_times_2 = 2 * amount * rate  # 2 * 10 000 * exact commission
    assert abs(commission * 20_000 - exact_times_2) <= 10_000
    if commission * 20_000 - exact_times_2 == 10_000:  # a tie went up
        assert (commission - 1) * 20_000 < exact_times_2


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        (12_000, 2000, (9_600, 2_400)),
        (1, 2000, (1, 0)),  # 0.2 cent rounds down
        (3, 2000, (2, 1)),  # 0.6 cent rounds up
        (5, 1000, (4, 1)),  # exactly 0.5 cent: half up
        (999_999, 2000, (799_999, 200_000)),
    ],
)
def test_split_examples(amount, rate, expected):
    assert split_amount(amount, rate) == expected


@pytest.mark.parametrize(("amount", "rate"), [(-1, 2000), (100, -1), (100, 10_001)])
def test_split_rejects_impossible_input(amount, rate):
    with pytest.raises(ValueError):
        split_amount(amount, rate)
