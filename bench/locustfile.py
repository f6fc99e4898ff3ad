"""Locust load test of the `make prod-local` stack (bench/loadtest.sh runs it; figures in the README).

The mix, by weight of simulated people:
- anonymous visitors (4): landing page, a provider's public profile, the login page, a static file;
- customers (2): dashboard, their offers, bookings; post a new offer; pay an awaiting booking through
  localstripe (save the card as Stripe.js would, then pay on the site);
- providers (2): read the feed, open an offer and accept it, bookings list;
- chat (1): open the conversation's WebSocket through nginx, send a message, wait for the echo;
- staff (1): the admin console index and the bookings list.
Signed-in people use sessions made by bench/locust_setup.py (its JSON in $LOCUST_SESSIONS).
"""

import itertools
import json
import os
import random
import re
import time
from datetime import date, timedelta
from pathlib import Path

import requests
import websocket
from locust import HttpUser, between, events, task

SESSIONS = json.loads(Path(os.environ["LOCUST_SESSIONS"]).read_text())
CA = os.environ["REQUESTS_CA_BUNDLE"]
# Each simulated person signs in as their own user (round robin), so two never pay one booking.
_next_session = {role: itertools.count() for role in ("customers", "providers", "staff")}


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    role = ""

    def on_start(self):
        self.client.verify = CA
        self.client.headers["Referer"] = self.host + "/"
        if self.role:
            sessions = SESSIONS[self.role]
            self.client.cookies.set("sessionid", sessions[next(_next_session[self.role]) % len(sessions)])

    def post_form(self, url: str, data: dict, name: str, expect: int = 302):
        """POST as the page's form would; any other status than `expect` (a form error is a 200) fails."""
        csrf = self.client.cookies.get("csrftoken", "")
        headers = {"X-CSRFToken": csrf}
        with self.client.post(
            url, data=data, headers=headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != expect:
                response.failure(f"{response.status_code}, expected {expect}")
            return response


class Visitor(Person):
    weight = 4

    @task(3)
    def landing(self):
        self.client.get("/")

    @task(2)
    def provider_profile(self):
        provider = random.choice(SESSIONS["providers_public"])
        self.client.get(f"/reviews/providers/{provider}/", name="/reviews/providers/[id]/")

    @task(1)
    def login_page(self):
        self.client.get("/accounts/login/")

    @task(1)
    def static(self):
        css = re.search(r'href="(/static/[^"]+\.css)"', self.client.get("/", name="/").text)
        if css:
            self.client.get(css.group(1), name="/static/[css]")


class Customer(Person):
    weight = 2
    role = "customers"

    @task(3)
    def browse(self):
        self.client.get("/dashboard/", name="/dashboard/ (customer)")
        self.client.get("/offers/")
        self.client.get("/bookings/", name="/bookings/ (customer)")

    @task(1)
    def post_offer(self):
        self.client.get("/offers/new/")
        day = (date.today() + timedelta(days=3)).isoformat()
        data = {
            "category": "1",
            "title": "Leaking tap in the bathroom",
            "description": "The cold tap drips all night.",
            "address": "Via Roma 1",
            "place_text": "Firenze",  # as typed without the typeahead: one place has that name
            "publish_anyway": "1",
            "preferred_date": day,
            "time_window": "flexible",
            "price_cents": "90.00",
            "expires_at": "",
        }
        self.post_form("/offers/new/", data, "/offers/new/ POST")

    @task(1)
    def pay(self):
        page = self.client.get("/bookings/?status=awaiting_payment", name="/bookings/?status=awaiting_payment").text
        ids = re.findall(r'href="/bookings/(\d+)/"', page)
        if not ids:
            return
        pay_url = f"/payments/booking/{ids[0]}/pay/"
        self.client.get(pay_url, name="/payments/booking/[id]/pay/")
        setup = self.post_form(pay_url + "card-setup/", {}, "/payments/booking/[id]/pay/card-setup/", expect=200)
        if setup.status_code != 200:
            return
        secret = setup.json()["client_secret"]
        intent = secret.split("_secret_")[0]
        body = {"key": SESSIONS["stripe_key"], "client_secret": secret, "use_stripe_sdk": True}
        card = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}
        body["payment_method_data"] = {"type": "card", "card": card}
        # What Stripe.js does in the browser: straight to Stripe (localstripe), not counted as the site's.
        url = f"{SESSIONS['stripe_api']}/v1/setup_intents/{intent}/confirm"
        requests.post(url, data=json.dumps(body), timeout=10).raise_for_status()
        self.post_form(pay_url, {"setup_intent": intent}, "/payments/booking/[id]/pay/ POST")


class Provider(Person):
    weight = 2
    role = "providers"

    @task(3)
    def feed(self):
        self.client.get("/offers/feed/")
        self.client.get("/bookings/", name="/bookings/ (provider)")

    @task(1)
    def accept(self):
        offers = re.findall(r'href="/offers/(\d+)/"', self.client.get("/offers/feed/").text)
        if not offers:
            return
        offer = random.choice(offers)
        detail = self.client.get(f"/offers/{offer}/", name="/offers/[id]/").text
        version = re.search(r'name="terms_version" value="(\d+)"', detail)
        if version:
            data = {"terms_version": version.group(1)}
            self.post_form(f"/bookings/accept/{offer}/", data, "/bookings/accept/[id]/ POST")


class Staff(Person):
    weight = 1
    role = "staff"

    @task
    def console(self):
        self.client.get("/admin/")
        self.client.get("/admin/bookings/booking/")


class Chatter(Person):
    """One chat round trip per task: open the socket, send, wait for our own message back, close."""

    weight = 1

    @task
    def chat(self):
        chat = random.choice(SESSIONS["chats"])
        url = self.host.replace("https://", "wss://") + f"/ws/chat/{chat['conversation']}/"
        started = time.perf_counter()
        error = None
        try:
            socket = websocket.create_connection(
                url, origin=self.host, cookie=f"sessionid={chat['customer']}", sslopt={"ca_certs": CA}, timeout=10
            )
            try:
                client_id = f"c{random.randrange(10**9)}"
                socket.send(json.dumps({"type": "message", "text": "On my way", "client_id": client_id}))
                while (frame := json.loads(socket.recv())).get("client_id") != client_id:
                    pass
                if frame["type"] != "ack":
                    raise RuntimeError(f"chat answered {frame}")
            finally:
                socket.close()
        except Exception as exc:  # reported to Locust as a failed request
            error = exc
        events.request.fire(
            request_type="WS",
            name="/ws/chat/[id]/ connect+send+echo",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )
