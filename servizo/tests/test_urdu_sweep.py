"""Issue 16, as a whole: the main pages of every role, rendered in Urdu, show no English words.

Each page's visible text is read (tags, scripts and styles stripped; of the attributes only those a user
sees or hears: placeholder, title, aria-label, alt, and the value of a button) and its Latin-script words
are checked against what may stay English: the data the users typed (read from the objects made here),
the brand, Stripe, card brands, currency codes and zone labels. A failure lists page -> English fragments.
"""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import ProviderProfile, User
from accounts.templatetags.provider_photos import initials
from accounts.tests.factories import CustomerFactory, ProviderFactory, StaffFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from chat.tests.factories import MessageFactory
from offers.models import Offer
from offers.tests.factories import OfferFactory, quote_on
from payments.models import Payment
from payments.tests.conftest import walk
from places.models import Place
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db
S = Booking.Status
WALK_NOTE = "test reason"  # payments.tests.conftest.walk

# What stays as it is in Urdu: names, codes and abbreviations that are not English words.
ALLOWED = {
    "servizo",
    "stripe",
    "visa",
    "mastercard",
    "amex",
    "pdf",
    "usd",
    "eur",
    "pkr",
    "gbp",
    "cet",
    "cest",
    "pkt",
    "utc",
    "gmt",
    "jpg",
    "jpeg",
    "png",
    "webp",
    "heic",
    "csv",
    "javascript",
    "english",  # the language switcher names English in English
    "lahore",  # the place field's example city
    # Django's admin writes a boolean's icon with alt="True"/"False", untranslated (contrib.admin.templatetags).
    "true",
    "false",
    "id",  # and names every automatic primary key "ID" (Options._prepare), untranslated too
}
TRUNCATED = re.compile(r"[^“”\"]{8,}…")
# Names kept as they are: Stripe's object and 3-D Secure, the keys named on the keyboard (admin's select help).
KEPT = ["3-D Secure", "PaymentIntent", "“Control”", "“Command”"]
SKIPPED_ELEMENTS = {"script", "style", "template", "head"}
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
# The zone menu keeps the IANA city names (servizo.timezones.zone_choices).
SKIPPED_SELECTS = {"time_zone"}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
# Emails, URLs, paths and ids ("SRV-2026-000001", "pi_3Nx...", "4242").
NOT_TEXT = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|https?://\S+|/[\w/.-]+|\b[\w-]*[\d_][\w-]*\b")


class _VisibleText(HTMLParser):
    """The text of a page a reader sees: one fragment per text node or shown attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fragments: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if self._skipping or tag in SKIPPED_ELEMENTS or (tag == "select" and values.get("name") in SKIPPED_SELECTS):
            if tag not in {"input", "img", "br", "meta", "link"}:
                self._skipping.append(tag)
            return
        for name in SHOWN_ATTRIBUTES:
            if values.get(name):
                self.fragments.append(values[name])
        if tag == "input" and values.get("type") in {"submit", "button", "reset"} and values.get("value"):
            self.fragments.append(values["value"])

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.fragments.append(" ".join(data.split()))


def _words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(NOT_TEXT.sub(" ", text))}


def _unless_typed(cut: str, typed: list[str]) -> str:
    """ "Fix the kitchen li…" (a title cut by `truncatechars`) is typed text too, and so is a name cut short
    at the end of a translated sentence ("… نے Jennif…": where the cut falls depends on the name's length)."""
    head = cut.rstrip("…")
    if any(text.startswith(head) for text in typed):
        return " "
    last = head.split()[-1] if head.split() else ""
    if any(word.startswith(last) for text in typed for word in text.split()):
        return head.removesuffix(last)
    return cut


def english_words(html: str, allowed: set[str], typed: list[str] = ()) -> dict[str, set[str]]:
    """The fragments of the page's visible text that hold an English word, with those words; the strings in
    `typed` (what users and operators wrote) are taken out first."""
    parser = _VisibleText()
    parser.feed(html)
    found = {}
    for fragment in parser.fragments:
        for text in typed:
            fragment = fragment.replace(text, " ")
        fragment = TRUNCATED.sub(lambda match: _unless_typed(match.group(0), typed), fragment)
        if words := _words(fragment) - allowed:
            found[fragment.strip()] = words
    return found


def typed_texts() -> list[str]:
    """What users typed (names, titles, addresses, messages...) and the operator's settings, as typed,
    longest first; a user's first name and initials also stand alone ("Ayesha accepted...", an avatar's "AK")."""
    from chat.models import Message
    from reviews.models import Review

    texts = {WALK_NOTE, settings.PLATFORM_LEGAL_NAME, settings.PLATFORM_TAX_ID, *settings.PLATFORM_ADDRESS.split("\n")}
    for model in (User, ProviderProfile, Offer, Booking, Place, Message, Review):
        for obj in model.objects.all():
            for field in obj._meta.concrete_fields:
                value = getattr(obj, field.attname)
                if isinstance(value, str) and field.get_internal_type() in {"CharField", "TextField"} and value:
                    texts.add(value)
    for user in User.objects.all():
        texts |= {*user.full_name.split(), initials(user.full_name)}
    return sorted(texts - {"ur", "en"}, key=len, reverse=True)


def sweep(client, pages: list[tuple[User | None, str]]) -> str:
    """The report of every page's English fragments ("" when none)."""
    typed = typed_texts() + KEPT
    found = {}
    for user, url in pages:
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if fragments := english_words(response.content.decode(), ALLOWED, typed):
            found[f"{user.role if user and user.role else 'staff' if user else 'anonymous'} {url}"] = fragments
    return "\n".join(
        f"{page} -> " + " | ".join(f"{text} {sorted(words)}" for text, words in fragments.items())
        for page, fragments in found.items()
    )


def _urdu_reader(user: User) -> User:
    user.language = "ur"
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def world(urdu_catalog, pay, connected_provider):
    """Users who read Urdu, and one booking in each state that shows different text."""
    customer = _urdu_reader(CustomerFactory(full_name="Ayesha Khan"))
    provider = _urdu_reader(connected_provider)
    open_offer = OfferFactory(customer=customer)
    quote_on(open_offer, provider)
    awaiting = BookingFactory(offer__customer=customer, provider=provider)
    scheduled = BookingFactory(offer__customer=customer, provider=provider)
    pay(scheduled)
    done = BookingFactory(offer__customer=customer, provider=provider)
    pay(done)
    walk(done, S.IN_PROGRESS, S.PROVIDER_COMPLETED)
    completed = BookingFactory(offer__customer=customer, provider=provider)
    pay(completed)
    walk(completed, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)
    ReviewFactory(booking__offer__customer=customer, booking__provider=provider)
    message = MessageFactory(conversation__booking=scheduled)
    MessageFactory(conversation=message.conversation, sender=provider)
    return {
        "customer": customer,
        "provider": provider,
        "pending": _urdu_reader(ProviderFactory(status=ProviderProfile.Status.PENDING)),
        "staff": _urdu_reader(StaffFactory()),
        "open_offer": open_offer,
        "awaiting": awaiting,
        "scheduled": scheduled,
        "done": done,
        "completed": completed,
        "conversation": message.conversation,
        "payment": Payment.objects.get(booking=completed),
    }


def test_the_visitors_pages_have_no_english(urdu_client, world):
    provider = world["provider"]
    pages = [
        (None, reverse("home")),
        (None, reverse("directory:list")),
        (None, reverse("reviews:provider_profile", args=[provider.pk])),
        (None, reverse("account_login")),
        (None, reverse("account_signup")),
        (None, reverse("signup_customer")),
        (None, reverse("signup_provider")),
        (None, reverse("terms")),
        (None, reverse("privacy")),
    ]

    report = sweep(urdu_client, pages)

    assert not report, "English on Urdu pages:\n" + report


def test_the_customers_pages_have_no_english(urdu_client, world):
    customer = world["customer"]
    pages = [
        (customer, reverse("dashboard")),
        (customer, reverse("offers:create")),
        (customer, reverse("offers:mine")),
        (customer, reverse("offers:detail", args=[world["open_offer"].pk])),
        *(
            (customer, reverse("bookings:detail", args=[world[state].pk]))
            for state in ("awaiting", "scheduled", "done", "completed")
        ),
        (customer, reverse("bookings:list")),
        (customer, reverse("payments:pay", args=[world["awaiting"].pk])),
        (customer, reverse("payments:history")),
        (customer, reverse("payments:receipt", args=[world["completed"].pk])),
        (customer, reverse("chat:list")),
        (customer, reverse("chat:conversation", args=[world["conversation"].pk])),
        (customer, reverse("notifications:list")),
        (customer, reverse("account_settings")),
        (customer, reverse("reviews:create", args=[world["completed"].pk])),
        (customer, reverse("reviews:mine")),
    ]

    report = sweep(urdu_client, pages)

    assert not report, "English on Urdu pages:\n" + report


def test_the_providers_pages_have_no_english(urdu_client, world):
    provider = world["provider"]
    pages = [
        (provider, reverse("dashboard")),
        (provider, reverse("offers:feed")),
        (provider, reverse("offers:detail", args=[world["open_offer"].pk])),
        (provider, reverse("bookings:detail", args=[world["scheduled"].pk])),
        (provider, reverse("bookings:list")),
        (provider, reverse("payments:earnings")),
        (provider, reverse("provider_area")),
        (provider, reverse("directory:rate")),
        (provider, reverse("chat:list")),
        (provider, reverse("notifications:list")),
        (world["pending"], reverse("provider_status")),
    ]

    report = sweep(urdu_client, pages)

    assert not report, "English on Urdu pages:\n" + report


def test_the_staff_pages_have_no_english(urdu_client, world):
    staff = world["staff"]
    profile = world["provider"].provider_profile
    pages = [
        (staff, reverse("admin:index")),
        (staff, reverse("admin:accounts_providerprofile_changelist")),
        (staff, reverse("admin:accounts_providerprofile_change", args=[profile.pk])),
        (staff, reverse("admin:bookings_booking_changelist")),
        (staff, reverse("admin:bookings_booking_change", args=[world["completed"].pk])),
        (staff, reverse("admin:payments_payment_changelist")),
        (staff, reverse("admin:payments_payment_change", args=[world["payment"].pk])),
        (staff, reverse("admin:reviews_review_changelist")),
        (staff, reverse("admin:revenue_report")),
    ]

    report = sweep(urdu_client, pages)

    assert not report, "English on Urdu pages:\n" + report


def test_the_sweep_finds_english_in_visible_text_and_shown_attributes_only():
    html = (
        '<html><head><title>Ignored</title></head><body><h1>خوش آمدید</h1><p class="lead">Welcome back</p>'
        '<input placeholder="تلاش" name="q" value="typed"><p>Ali Raza نے لکھا</p>'
        '<button value="send">بھیجیں</button><input type="submit" value="Search">'
        '<script>var label = "Hidden";</script><a href="/offers/new/">نئی پیشکش</a>'
        '<select name="time_zone"><option>New York</option></select><p>ali@example.com USD 120.00 Servizo</p>'
        "</body></html>"
    )

    assert english_words(html, ALLOWED, ["Ali Raza"]) == {"Welcome back": {"welcome", "back"}, "Search": {"search"}}


def test_the_sweep_takes_a_name_cut_short_by_truncation_as_typed_but_not_the_english_before_it():
    html = "<p>بکنگ Jennifer Lop…</p><p>آپ کی بکنگ Jennif…</p><p>Booked by Jennif…</p><p>نئی Welcom…</p>"

    found = english_words(html, ALLOWED, ["Jennifer Lopez", "Jennifer", "Lopez"])  # as typed_texts() gives a name

    assert found == {"Booked by": {"booked", "by"}, "نئی Welcom…": {"welcom"}}


def test_the_sweep_finds_the_english_of_an_english_page(client, customer):
    client.force_login(customer)

    found = english_words(client.get(reverse("dashboard")).content.decode(), ALLOWED, typed_texts())

    assert {"dashboard", "offers"} <= set().union(*found.values())
