"""Payments services (writes). Modules: ledger, checkout (pay flow), webhooks, settlements, payouts, connect.

Cross-app flow: payments registers a `completed` hook with bookings (PaymentsConfig.ready) so
escrow is released in the same transaction as the booking transition. Every Stripe call
happens outside a database transaction: record the intent, call Stripe with an idempotency
key derived from our ids, then record the outcome in a short locked transaction.
"""
