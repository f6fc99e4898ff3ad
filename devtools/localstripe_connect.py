"""TEST/DEV SUPPORT ONLY: what localstripe lacks and Servizo needs, modelled on Stripe's API reference.

Never imported by the site; `devtools.localstripe_server` installs it before the server starts.

Adds:
- Connect: `Account` (POST/GET /v1/accounts), `AccountLink` (POST /v1/account_links) whose URL
  is a fake onboarding page that enables the account and redirects to `return_url`.
- `Transfer` (POST/GET /v1/transfers, filter by `transfer_group`/`destination`, newest first) and
  `TransferReversal` (POST/GET /v1/transfers/{id}/reversals), with `transfer.created` and
  `transfer.reversed` webhooks.
- `Dispute` (GET /v1/disputes/{id}, GET /v1/disputes filtered by `charge`/`payment_intent`, POST
  /v1/disputes/{id} with `evidence`, POST /v1/disputes/{id}/close) with `charge.dispute.*` webhooks.
  Stripe opens disputes itself when a cardholder complains; here the test-only
  `POST /_config/disputes` (form fields `charge`, optional `amount`, `reason`, `status`) opens one.
  As in Stripe's test mode, evidence whose `uncategorized_text` is `winning_evidence` or
  `losing_evidence` closes the dispute won or lost (Stripe does it days later; here at once).
- `transfer_group` accepted on PaymentIntents.
- Idempotent requests: a POST repeated with the same `Idempotency-Key` (per API key) replays
  the first response (header `Idempotent-Replayed: true`); the same key with different
  parameters gets 400, as on Stripe. 5xx responses are not stored. Concurrent requests with
  one key are serialised.
"""

import asyncio
import hashlib
import html
import secrets
import time
from collections import OrderedDict

from aiohttp import web
from localstripe import server
from localstripe.errors import UserError
from localstripe.resources import Charge, Event, List, PaymentIntent, StripeObject, store, try_convert_to_int
from localstripe.webhooks import schedule_webhook

IDEMPOTENCY_CACHE_SIZE = 250_000
ONBOARDING_PATH = "/_config/connect/onboarding/"


def _check(condition: bool, message: str = "Bad request") -> None:
    if not condition:
        raise UserError(400, message)


class Account(StripeObject):
    """A Connect account (https://docs.stripe.com/api/accounts). Disabled until onboarding completes."""

    object = "account"
    _id_prefix = "acct_"

    def __init__(
        self, type=None, country=None, email=None, capabilities=None, business_type=None, metadata=None, **kwargs
    ):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        _check(type in ("express", "standard", "custom"))
        _check(email is None or isinstance(email, str))
        _check(metadata is None or isinstance(metadata, dict))
        super().__init__()
        self.type = type
        self.country = country or "US"
        self.email = email
        self.business_type = business_type
        self.metadata = metadata or {}
        self.charges_enabled = False
        self.payouts_enabled = False
        self.details_submitted = False
        self.capabilities = {"transfers": "inactive", "card_payments": "inactive"}

    def _complete_onboarding(self) -> None:
        self.charges_enabled = True
        self.payouts_enabled = True
        self.details_submitted = True
        self.capabilities = {"transfers": "active", "card_payments": "active"}
        schedule_webhook(Event("account.updated", self))


class AccountLink:
    """A single-use onboarding URL (https://docs.stripe.com/api/account_links). Has no id."""

    object = "account_link"
    _pending: dict[str, "AccountLink"] = {}

    def __init__(self, base_url, account=None, refresh_url=None, return_url=None, type=None, collect=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        _check(isinstance(account, str) and account.startswith("acct_"))
        _check(type in ("account_onboarding", "account_update"))
        _check(isinstance(return_url, str) and return_url.startswith("http"))
        _check(isinstance(refresh_url, str) and refresh_url.startswith("http"))
        Account._api_retrieve(account)  # 404 if unknown
        self._account = account
        self._return_url = return_url
        token = secrets.token_urlsafe(16)
        self.created = int(time.time())
        self.expires_at = self.created + 300
        self.url = f"{base_url}{ONBOARDING_PATH}{token}"
        AccountLink._pending[token] = self

    def _export(self, expand=None):
        return {"object": self.object, "created": self.created, "expires_at": self.expires_at, "url": self.url}


class TransferReversal(StripeObject):
    object = "transfer_reversal"
    _id_prefix = "trr_"

    def __init__(self, transfer=None, amount=None, metadata=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        transfer_obj = Transfer._api_retrieve(transfer)
        remaining = transfer_obj.amount - transfer_obj.amount_reversed
        amount = remaining if amount is None else try_convert_to_int(amount)
        _check(isinstance(amount, int) and amount > 0)
        if amount > remaining:
            raise UserError(400, "Amount exceeds the transfer's remaining amount.")
        super().__init__()
        self.amount = amount
        self.currency = transfer_obj.currency
        self.transfer = transfer_obj.id
        self.metadata = metadata or {}
        transfer_obj.amount_reversed += amount
        transfer_obj.reversed = transfer_obj.amount_reversed == transfer_obj.amount
        transfer_obj._reversal_ids.append(self.id)
        schedule_webhook(Event("transfer.reversed", transfer_obj))

    @classmethod
    def _api_create_for(cls, id, **data):
        return cls(transfer=id, **data)

    @classmethod
    def _api_list_for(cls, id, limit=None, starting_after=None, **kwargs):
        transfer = Transfer._api_retrieve(id)
        return transfer._reversal_list(limit=limit, starting_after=starting_after)


class Transfer(StripeObject):
    """Money from the platform balance to a connected account (https://docs.stripe.com/api/transfers)."""

    object = "transfer"
    _id_prefix = "tr_"

    def __init__(
        self,
        amount=None,
        currency=None,
        destination=None,
        transfer_group=None,
        source_transaction=None,
        metadata=None,
        description=None,
        **kwargs,
    ):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        amount = try_convert_to_int(amount)
        _check(isinstance(amount, int) and amount > 0)
        _check(isinstance(currency, str) and len(currency) == 3)
        _check(isinstance(destination, str) and destination.startswith("acct_"))
        _check(transfer_group is None or isinstance(transfer_group, str))
        _check(metadata is None or isinstance(metadata, dict))
        account = Account._api_retrieve(destination)
        if account.capabilities.get("transfers") != "active":
            raise UserError(
                400,
                "Your destination account needs to have at least one of the following capabilities "
                "enabled: transfers, crypto_transfers, legacy_payments",
            )
        if source_transaction is not None:
            _check(isinstance(source_transaction, str) and source_transaction.startswith("ch_"))
            charge = Charge._api_retrieve(source_transaction)
            if charge.status != "succeeded":
                raise UserError(400, "The source transaction has not succeeded.")
        super().__init__()
        self.amount = amount
        self.amount_reversed = 0
        self.currency = currency.lower()
        self.destination = destination
        self.transfer_group = transfer_group
        self.source_transaction = source_transaction
        self.description = description
        self.metadata = metadata or {}
        self.reversed = False
        self._reversal_ids: list[str] = []
        schedule_webhook(Event("transfer.created", self))

    @property
    def reversals(self):
        return self._reversal_list()

    def _reversal_list(self, limit=None, starting_after=None):
        li = List(f"/v1/transfers/{self.id}/reversals", limit=limit, starting_after=starting_after)
        li._list = [TransferReversal._api_retrieve(i) for i in reversed(self._reversal_ids)]
        return li

    @classmethod
    def _api_list_all(cls, url, transfer_group=None, destination=None, limit=None, starting_after=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        li = List(url, limit=limit, starting_after=starting_after)
        li._list = [
            obj
            for key, obj in store.items()
            if key.startswith("transfer:")
            and (transfer_group is None or obj.transfer_group == transfer_group)
            and (destination is None or obj.destination == destination)
        ]
        li._list.reverse()  # newest first, like Stripe
        return li


class Dispute(StripeObject):
    """A chargeback on a charge (https://docs.stripe.com/api/disputes). Funds are withdrawn on open
    (except for inquiries, `warning_*`) and reinstated if the platform wins."""

    object = "dispute"
    _id_prefix = "dp_"
    INQUIRY_STATUSES = ("warning_needs_response", "warning_under_review", "warning_closed")

    def __init__(self, charge=None, amount=None, reason=None, status=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        _check(isinstance(charge, str) and charge.startswith("ch_"))
        charge_obj = Charge._api_retrieve(charge)
        amount = charge_obj.amount if amount is None else try_convert_to_int(amount)
        _check(isinstance(amount, int) and 0 < amount <= charge_obj.amount)
        status = status or "needs_response"
        _check(status in ("needs_response", "warning_needs_response"))
        super().__init__()
        self.amount = amount
        self.currency = charge_obj.currency
        self.charge = charge_obj.id
        self.payment_intent = charge_obj.payment_intent
        self.reason = reason or "fraudulent"
        self.status = status
        self.evidence = {}
        self.metadata = {}
        self.is_charge_refundable = False
        self.balance_transactions = []
        schedule_webhook(Event("charge.dispute.created", self))

    def _update(self, evidence=None, metadata=None, submit=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        if self.status in ("won", "lost", "warning_closed"):
            raise UserError(400, f"This dispute is already closed ({self.status}).")
        _check(evidence is None or isinstance(evidence, dict))
        super()._update(metadata=metadata)
        if evidence:
            self.evidence.update(evidence)
        text = self.evidence.get("uncategorized_text")
        inquiry = self.status.startswith("warning_")
        if text in ("winning_evidence", "losing_evidence"):
            self.status = "warning_closed" if inquiry else ("won" if text == "winning_evidence" else "lost")
            schedule_webhook(Event("charge.dispute.closed", self))
        else:
            self.status = "warning_under_review" if inquiry else "under_review"
            schedule_webhook(Event("charge.dispute.updated", self))

    @classmethod
    def _api_close(cls, id, **kwargs):
        """Accept the dispute (https://docs.stripe.com/api/disputes/close): it is lost."""
        dispute = cls._api_retrieve(id)
        if dispute.status not in ("won", "lost", "warning_closed"):
            dispute.status = "warning_closed" if dispute.status.startswith("warning_") else "lost"
            schedule_webhook(Event("charge.dispute.closed", dispute))
        return dispute

    @classmethod
    def _api_list_all(cls, url, charge=None, payment_intent=None, limit=None, starting_after=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        li = List(url, limit=limit, starting_after=starting_after)
        li._list = [
            obj
            for key, obj in store.items()
            if key.startswith("dispute:")
            and (charge is None or obj.charge == charge)
            and (payment_intent is None or obj.payment_intent == payment_intent)
        ]
        li._list.reverse()  # newest first, like Stripe
        return li


def _wrap_payment_intent() -> None:
    """PaymentIntents accept and return `transfer_group` (localstripe rejects it)."""
    original = PaymentIntent.__init__
    if getattr(original, "_servizo_wrapped", False):
        return

    def __init__(self, *args, transfer_group=None, **kwargs):
        _check(transfer_group is None or isinstance(transfer_group, str))
        original(self, *args, **kwargs)
        self.transfer_group = transfer_group

    __init__._servizo_wrapped = True
    PaymentIntent.__init__ = __init__


def _request_fingerprint(request: web.Request, body: bytes) -> str:
    return hashlib.sha256(request.method.encode() + request.path.encode() + b"\0" + body).hexdigest()


def idempotency_middleware_factory():
    cache: OrderedDict[tuple[str, str], tuple[str, int, bytes, str]] = OrderedDict()
    locks: dict[tuple[str, str], asyncio.Lock] = {}

    @web.middleware
    async def idempotency_middleware(request: web.Request, handler):
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        scope = (request.headers.get("Authorization", ""), key)
        body = await request.read()
        fingerprint = _request_fingerprint(request, body)
        lock = locks.setdefault(scope, asyncio.Lock())
        async with lock:
            cached = cache.get(scope)
            if cached is not None:
                if cached[0] != fingerprint:
                    raise UserError(
                        400,
                        f"Keys for idempotent requests can only be used with the same parameters they were "
                        f"first used with. Try using a key other than '{key}' if you meant to execute a "
                        f"different request.",
                        {"code": "idempotency_key_in_use"},
                    )
                response = web.Response(status=cached[1], body=cached[2], content_type=cached[3])
                response.headers["Idempotent-Replayed"] = "true"
                return response
            try:
                response = await handler(request)
            except UserError as error:
                response = error.to_response()
            if response.status < 500 and isinstance(response, web.Response):
                cache[scope] = (fingerprint, response.status, response.body, response.content_type)
                if len(cache) > IDEMPOTENCY_CACHE_SIZE:
                    cache.popitem(last=False)
            response.headers["Idempotency-Key"] = key
            return response
        # (the lock entry is kept: tiny, and needed while the key may be reused)

    return idempotency_middleware


async def _open_dispute(request: web.Request) -> web.Response:
    data = await server.get_post_data(request) or {}
    return server.json_response(Dispute(**data)._export())


async def _create_account_link(request: web.Request) -> web.Response:
    data = await server.get_post_data(request) or {}
    data.pop("expand", None)
    link = AccountLink(f"{request.scheme}://{request.host}", **data)
    return server.json_response(link._export())


def _onboarding_link(request: web.Request) -> AccountLink:
    link = AccountLink._pending.get(request.match_info["token"])
    if link is None:
        raise web.HTTPNotFound(text="This onboarding link has expired.")
    return link


async def _onboarding_page(request: web.Request) -> web.Response:
    link = _onboarding_link(request)
    account = html.escape(link._account)
    page = (
        "<!doctype html><html><head><title>Stripe Express onboarding (test)</title></head><body>"
        f"<h1>Set up payouts for {account}</h1><p>Test mode: no details are needed.</p>"
        '<form method="post"><button type="submit" id="complete-onboarding">Complete onboarding</button></form>'
        "</body></html>"
    )
    return web.Response(text=page, content_type="text/html")


async def _onboarding_complete(request: web.Request) -> web.Response:
    link = _onboarding_link(request)
    AccountLink._pending.pop(request.match_info["token"], None)
    Account._api_retrieve(link._account)._complete_onboarding()
    raise web.HTTPSeeOther(location=link._return_url)


def install(app: web.Application) -> None:
    """Register the extra resources, routes and middleware on localstripe's app (before it starts)."""
    if getattr(app, "_servizo_connect_installed", False):
        return
    app._servizo_connect_installed = True
    _wrap_payment_intent()
    app.middlewares.append(idempotency_middleware_factory())
    router = app.router
    router.add_post("/v1/account_links", _create_account_link)
    router.add_post("/_config/disputes", _open_dispute)
    router.add_route("GET", "/v1/disputes/{id}", server.api_retrieve(Dispute, "/v1/disputes"))
    router.add_route("POST", "/v1/disputes/{id}", server.api_update(Dispute, "/v1/disputes"))
    router.add_route("POST", "/v1/disputes/{id}/close", server.api_extra(Dispute._api_close, ""))
    router.add_route("GET", "/v1/disputes", server.api_list_all(Dispute, "/v1/disputes"))
    router.add_get(ONBOARDING_PATH + "{token}", _onboarding_page)
    router.add_post(ONBOARDING_PATH + "{token}", _onboarding_complete)
    router.add_route("POST", "/v1/transfers/{id}/reversals", server.api_extra(TransferReversal._api_create_for, ""))
    router.add_route("GET", "/v1/transfers/{id}/reversals", server.api_extra(TransferReversal._api_list_for, ""))
    for cls in (Account, Transfer):
        base = f"/v1/{cls.object}s"
        router.add_route("POST", base, server.api_create(cls, base))
        router.add_route("GET", base + "/{id}", server.api_retrieve(cls, base))
        router.add_route("POST", base + "/{id}", server.api_update(cls, base))
        router.add_route("GET", base, server.api_list_all(cls, base))
