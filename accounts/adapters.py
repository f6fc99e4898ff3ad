from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from accounts.models import User
from notifications.outbox import email_send


class AccountAdapter(DefaultAccountAdapter):
    """Email is the identity (no username); signup forms say which role the new user gets."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data.get("full_name", "")
        user.phone = form.cleaned_data.get("phone", "")
        user.role = getattr(form, "role", User.Role.CUSTOMER)
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's send_mail (same context), through the outbox: a mail server outage never fails a
        signup or a password reset; the email is retried (notifications.outbox)."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        email_send(message=self.render_mail(template_prefix, email, ctx))
