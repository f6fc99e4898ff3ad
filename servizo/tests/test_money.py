"""The one money parser and the one money field (every typed amount goes through them)."""

import pytest
from django import forms
from django.utils import translation

from servizo.forms import MoneyField
from servizo.money import (
    CurrencyMismatch,
    format_amount,
    format_money,
    major_units,
    parse_money,
    require_platform_currency,
)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("45", 4500),
        ("45.5", 4550),
        ("45.50", 4550),
        ("0.05", 5),
        (" 1234.56 ", 123456),
        ("1,234.56", 123456),
        ("1,234", 123400),
        ("12,345,678.90", 1234567890),
        ("١٢٣", 12300),  # Arabic-Indic digits
        ("۱,۲۳۴.۵۰", 123450),  # Urdu digits
    ],
)
def test_well_formed_amounts_parse_exactly(text, cents):
    assert parse_money(text, "usd") == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12,34", "Use a dot before the cents, e.g. 12.34."),
        ("1,23,4", "Enter an amount like 45 or 45.50."),
        ("1,2345", "Enter an amount like 45 or 45.50."),
        (",123", "Enter an amount like 45 or 45.50."),
        ("1234,567.00", "Enter an amount like 45 or 45.50."),
        ("12.345", "Use at most 2 decimal places."),
        ("1.2.3", "Enter an amount like 45 or 45.50."),
        ("１２３", "Enter an amount like 45 or 45.50."),  # full-width digits
        ("12\u00a0345", "Enter an amount like 45 or 45.50."),
        ("-5", "Enter an amount like 45 or 45.50."),
        ("+5", "Enter an amount like 45 or 45.50."),
        ("5e3", "Enter an amount like 45 or 45.50."),
        ("$45", "Enter an amount like 45 or 45.50."),
        ("45.", "Enter an amount like 45 or 45.50."),
        ("", "Enter an amount like 45 or 45.50."),
        ("4\x005", "Enter an amount like 45 or 45.50."),
        ("9" * 21, "Enter at most 20 characters."),
        ("9" * 5000, "Enter at most 20 characters."),
    ],
    ids=lambda value: value[:24],
)
def test_malformed_amounts_are_refused_with_our_own_message(text, message):
    with pytest.raises(ValueError) as error:
        parse_money(text, "usd")
    assert str(error.value) == message


def test_format_money_is_the_canonical_rendering():
    assert format_money(123400, "usd") == "$1,234.00"
    assert format_money(-5, "usd") == "-$0.05"
    assert format_money(100, "chf") == "1.00 CHF"


class _AmountForm(forms.Form):
    amount = MoneyField(min_cents=100, max_cents=1_000_000, confirm=True)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("0.99", "Enter at least $1.00."),
        ("10,000.01", "Enter at most $10,000.00."),
        ("1234.5", "We read this as $1,234.50. Check it, then submit again to confirm."),
        ("01234", "We read this as $1,234.00. Check it, then submit again to confirm."),
        ("12,34", "Use a dot before the cents, e.g. 12.34."),
    ],
)
def test_money_field_errors_are_field_errors(typed, error):
    form = _AmountForm({"amount": typed})

    assert form.errors == {"amount": [error]}


@pytest.mark.parametrize("typed", ["1234", "1,234", "1234.00", "1,234.50", "1234.50"])
def test_amounts_typed_as_they_read_need_no_confirmation(typed):
    assert _AmountForm({"amount": typed}).is_valid()


def test_the_form_shows_the_amount_back_as_it_was_read_and_the_shown_text_confirms_it():
    first = _AmountForm({"amount": "1234.5"})
    assert not first.is_valid()
    assert 'value="1,234.50"' in str(first["amount"])

    second = _AmountForm({"amount": first["amount"].value()})
    assert second.is_valid() and second.cleaned_data["amount"] == 123450


def test_money_field_caps_the_typed_length_in_the_browser_too():
    assert 'maxlength="20"' in str(_AmountForm()["amount"])


@pytest.mark.parametrize(
    ("amount", "currency", "typed", "shown"),
    [
        (123450, "usd", "1,234.50", "$1,234.50"),
        (123450, "pkr", "1,234.50", "1,234.50 PKR"),  # ISO 4217: PKR has two decimals (paisa)
        (123450, "eur", "1,234.50", "€1,234.50"),
        (1234, "jpy", "1,234", "¥1,234"),  # zero decimals: the minor unit is the yen
        (-5, "jpy", "-5", "-¥5"),
    ],
)
def test_amounts_follow_the_currencys_minor_unit(amount, currency, typed, shown):
    assert format_amount(amount, currency) == typed
    assert format_money(amount, currency) == shown
    assert parse_money(typed.lstrip("-"), currency) == abs(amount)


def test_a_zero_decimal_currency_takes_whole_amounts_only():
    assert parse_money("12,000", "jpy") == 12000
    assert major_units(12000, "jpy") == 12000 and str(major_units(-1234, "usd")) == "-12.34"
    for text in ("12.5", "12.", "12,34"):
        with pytest.raises(ValueError, match="Enter a whole amount like 4500"):
            parse_money(text, "jpy")


def test_an_unknown_currency_and_a_mixed_one_are_refused():
    with pytest.raises(ValueError, match="Unknown currency 'xyz'"):
        format_money(100, "xyz")
    with pytest.raises(CurrencyMismatch, match="in USD, but this site works in PKR only"):
        require_platform_currency("usd", "pkr")
    require_platform_currency("PKR", "pkr")


def test_the_money_field_uses_the_deployments_currency_when_it_is_used(settings):
    field = MoneyField()  # made before the setting changes, as form classes are at import
    settings.CURRENCY = "jpy"

    assert field.clean("12,000") == 12000
    with pytest.raises(forms.ValidationError, match="whole amount"):
        field.clean("120.50")


@pytest.mark.parametrize(
    ("language", "text", "cents"),
    [
        ("en", "1,234.50", 123450),
        ("en", "1234.5", 123450),
        ("ur", "1,234.50", 123450),
        ("ur", "۱۲۳۴٫۵۰", 123450),  # Urdu digits and the Arabic decimal mark
        ("ur", "۱٬۲۳۴", 123400),  # and the Arabic thousands mark
        ("ur", "٤٥", 4500),  # Arabic-Indic digits
    ],
)
def test_amounts_are_read_in_the_active_languages_separators_and_digits(language, text, cents):
    with translation.override(language):
        assert parse_money(text, "pkr") == cents


@pytest.mark.parametrize(
    "text",
    [
        "۱۲,۳۴",
        "۱,۲۳,۴",
        "۱۲۳۴٫۵۶۷",
        "-۵",
        "۱۲ ۳۴",
        "１２３",
        "۱۲e۳",
        "Rs ۵",
        "۵٫",
        "۱٫۲٫۳",
        "٫۵",
        "۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰۱",
    ],
)
def test_urdu_input_stays_strict(text):
    with translation.override("ur"), pytest.raises(ValueError):
        parse_money(text, "pkr")


def test_the_money_filter_renders_in_the_active_language():
    from servizo.templatetags.money import money

    for language in ("en", "ur"):
        with translation.override(language):
            assert money(123450, "usd") == "$1,234.50"
            assert money(-123450, "pkr") == "-1,234.50 PKR"


def test_the_money_field_reads_urdu_digits_and_shows_them_back_in_ascii():
    class Form(forms.Form):
        price = MoneyField(currency="pkr", confirm=True)

    with translation.override("ur"):
        form = Form({"price": "۱۲۳۴٫۵"})
        (error,) = form.errors["price"]  # read back once, in whatever words the Urdu catalog has
        assert "1,234.50 PKR" in error and not form.is_valid()
        assert 'value="1,234.50"' in str(form["price"])
        form = Form({"price": "۱٬۲۳۴٫۵۰"})  # reads as typed: no read-back to confirm
        assert form.is_valid() and form.cleaned_data["price"] == 123450
