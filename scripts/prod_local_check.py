"""Prove the `make prod-local` stack works, through nginx as a browser would reach it.

Run by `scripts/prod-local.sh check` with the stack's env file loaded (production settings, the
stack's database). Makes its own users and bookings with the test factories, signs them in with
sessions in the database, then checks over HTTPS, trusting only the stack's own certificate:
/healthz; a page with its static file, gzip and request id; the HTTP -> HTTPS redirect; a provider
document sent by nginx (X-Accel-Redirect); a payment through localstripe (card saved as Stripe.js
would, then paid on the site; the webhook comes back and is processed); a chat message between two
sockets through nginx to daphne; and a scheduled release: the beat schedule's release_escrow task,
run by the worker. Prints one line per check; exit 1 if any failed.
"""

import json
import os
import re
import ssl
import sys
import time
import traceback
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import django

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from accounts.tests.conftest import PDF_BYTES  # noqa: E402
from accounts.tests.factories import CustomerFactory, ProviderProfileFactory  # noqa: E402
from bookings.models import Booking  # noqa: E402
from bookings.services import booking_transition  # noqa: E402
from bookings.tests.factories import BookingFactory  # noqa: E402
from chat.tests.factories import ConversationFactory  # noqa: E402
from payments.models import Payment, StripeEvent  # noqa: E402
from payments.tests.conftest import browser_confirm_setup  # noqa: E402
from servizo.celery import app as celery_app  # noqa: E402

SITE = settings.SITE_URL
CA = os.environ["PROD_LOCAL_CA"]
os.environ["REQUESTS_CA_BUNDLE"] = CA  # every request trusts only the stack's certificate
S = Booking.Status


def wait_for(what: str, probe, seconds: float = 30.0):
    """Poll `probe` until it returns something truthy; AssertionError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {seconds:.0f} s")


def signed_in(user) -> requests.Session:
    """A browser-like session for `user`: its session cookie and a same-origin Referer."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    session.headers["Referer"] = SITE + "/"
    return session


def check_health():
    last = {}

    def healthy():
        response = requests.get(f"{SITE}/healthz")
        last["body"] = response.json()
        return response.ok

    try:
        wait_for("/healthz 200", healthy)
    except AssertionError as error:
        raise AssertionError(f"{error}; last answer {last.get('body')}") from None
    plain = requests.get(os.environ["PROD_LOCAL_HTTP"] + "/healthz", allow_redirects=False)
    assert plain.status_code == 200, f"plain-HTTP probe: {plain.status_code}"
    return f"{last['body']['checks']}; also 200 over plain HTTP (load balancer probe)"


def check_page():
    response = requests.get(f"{SITE}/", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "Servizo" in response.text, response.status_code
    assert response.headers.get("Content-Encoding") == "gzip", response.headers
    assert len(response.headers["X-Request-ID"]) == 32  # nginx's $request_id, echoed by the app
    css = re.search(r'href="(/static/[^"]+\.css)"', response.text).group(1)
    static = requests.get(SITE + css)
    assert static.status_code == 200 and "immutable" in static.headers["Cache-Control"], static.headers
    plain = requests.get(os.environ["PROD_LOCAL_HTTP"] + "/offers/", allow_redirects=False)
    assert plain.status_code == 301 and plain.headers["Location"] == f"{SITE}/offers/", plain.headers
    return f"/ {len(response.content)} B gzip, {css} immutable, http -> https"


def check_document():
    profile = ProviderProfileFactory()
    profile.document.save("id.pdf", ContentFile(PDF_BYTES))
    response = signed_in(profile.user).get(f"{SITE}/provider/{profile.pk}/document/")
    assert response.status_code == 200 and response.content == PDF_BYTES, response.status_code
    assert response.headers["Content-Type"] == "application/pdf", response.headers
    assert response.headers["Content-Security-Policy"] == "sandbox", response.headers
    stranger = signed_in(CustomerFactory()).get(f"{SITE}/provider/{profile.pk}/document/")
    direct = requests.get(f"{SITE}/_private-media/{profile.document.name}")
    assert stranger.status_code == 404 and direct.status_code == 404, (stranger.status_code, direct.status_code)
    return "owner gets the bytes from nginx; a stranger and the internal path get 404"


def check_payment(booking: Booking):
    browser = signed_in(booking.customer)
    pay_url = f"{SITE}/payments/booking/{booking.pk}/pay/"
    assert browser.get(pay_url).status_code == 200
    csrf = {"X-CSRFToken": browser.cookies["csrftoken"]}
    secret = browser.post(f"{pay_url}card-setup/", headers=csrf).json()["client_secret"]
    setup_intent = secret.split("_secret_")[0]
    confirmed = browser_confirm_setup(settings.STRIPE_API_BASE, secret, "4242424242424242")  # as Stripe.js
    assert confirmed.ok, confirmed.text
    paid = browser.post(pay_url, data={"setup_intent": setup_intent}, headers=csrf, allow_redirects=False)
    assert paid.status_code == 302, paid.status_code
    payment = Payment.objects.get(booking=booking)
    assert payment.status == Payment.Status.SUCCEEDED, payment.status
    event = wait_for(
        "payment_intent.succeeded webhook processed",
        lambda: (
            StripeEvent.objects.filter(
                type="payment_intent.succeeded", payload__data__object__id=payment.payment_intent_id
            )
            .exclude(status=StripeEvent.Status.RECEIVED)
            .first()
        ),
    )
    return f"{payment.amount_cents} {payment.currency} {payment.status}; webhook {event.status}"


def check_chat(booking: Booking):
    conversation = ConversationFactory(booking=booking)
    context = ssl.create_default_context(cafile=CA)
    url = SITE.replace("https://", "wss://") + f"/ws/chat/{conversation.pk}/"

    def socket(user):
        cookie = f"{settings.SESSION_COOKIE_NAME}={signed_in(user).cookies[settings.SESSION_COOKIE_NAME]}"
        return connect(url, ssl=context, origin=SITE, additional_headers={"Cookie": cookie}, open_timeout=10)

    with socket(booking.customer) as customer, socket(booking.provider) as provider:
        started = time.perf_counter()
        customer.send(json.dumps({"type": "message", "text": "Hello through nginx", "client_id": "c1"}))
        while True:
            frame = json.loads(provider.recv(timeout=10))
            if frame["type"] == "message":
                break
        assert frame["message"]["text"] == "Hello through nginx", frame
    return f"customer -> provider over wss in {(time.perf_counter() - started) * 1000:.0f} ms"


def check_scheduled_release(booking: Booking):
    booking_transition(booking_id=booking.pk, to_status=S.IN_PROGRESS, actor=booking.provider)
    booking_transition(booking_id=booking.pk, to_status=S.PROVIDER_COMPLETED, actor=booking.provider)
    quiet_period_over = timezone.now() - settings.ESCROW_AUTO_RELEASE_AFTER - timedelta(minutes=1)
    Booking.objects.filter(pk=booking.pk).update(provider_completed_at=quiet_period_over)
    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", {})
    tasks = [entry["task"] for entry in schedule.values() if entry["task"].endswith("release_escrow")]
    assert tasks, "no release_escrow task in CELERY_BEAT_SCHEDULE"
    celery_app.send_task(tasks[0])  # what beat sends when the entry is due
    wait_for("booking completed by the worker", lambda: Booking.objects.get(pk=booking.pk).status == S.COMPLETED)
    return f"{tasks[0]} on the worker completed booking {booking.pk}"


def main() -> int:
    booking = BookingFactory(provider=ProviderProfileFactory().user)
    checks = [
        ("health", check_health),
        ("page", check_page),
        ("document", check_document),
        ("payment", lambda: check_payment(booking)),
        ("chat", lambda: check_chat(booking)),
        ("scheduled release", lambda: check_scheduled_release(booking)),
    ]
    failed = 0
    for name, check in checks:
        try:
            print(f"PASS {name}: {check()}", flush=True)
        except Exception:  # report every check, then fail the run
            failed += 1
            print(f"FAIL {name}:\n{traceback.format_exc(limit=3)}", flush=True)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
