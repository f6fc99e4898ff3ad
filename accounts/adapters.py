from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django import forms
from django.contrib.sites.shortcuts import get_current_site
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import LegalPage, User
from accounts.selectors import legal_page
from notifications.outbox import email_send
from servizo.languages import in_language_of, is_language


class AccountAdapter(DefaultAccountAdapter):
    """Email is the identity (no username); signup forms say which role the new user gets."""

    def clean_email(self, email: str) -> str:
        """Every address a user gives allauth (signup, adding one) fits the columns that store it.

        Django's form field allows 320 characters; User.email and EmailAddress.email hold 254, and a
        longer one was cut short by MariaDB in non-strict mode, leaving the account unreachable.
        """
        limit = min(User._meta.get_field("email").max_length, app_settings.EMAIL_MAX_LENGTH)
        if len(email) > limit:
            raise forms.ValidationError(_("Email addresses can be at most %(limit)s characters.") % {"limit": limit})
        return super().clean_email(email)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data.get("full_name", "")
        user.phone = form.cleaned_data.get("phone", "")
        if form.cleaned_data.get("time_zone"):  # the browser's guess, already checked by the form
            user.time_zone = form.cleaned_data["time_zone"]
        user.role = getattr(form, "role", User.Role.CUSTOMER)
        # The language the signup page was shown in (the switcher's choice, else the browser's): the
        # user's pages after signing in and their emails follow it until they change it.
        user.language = get_language() if is_language(get_language()) else ""
        if form.cleaned_data.get("accept_terms"):
            user.terms_version, user.terms_accepted_at = legal_page(LegalPage.Kind.TERMS).version, timezone.now()
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's send_mail (same context), through the outbox: a mail server outage never fails a
        signup or a password reset; the email is retried (notifications.outbox)."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        # In the recipient's saved language; else the page's (the person asking is, nearly always, them).
        recipient = context.get("user") or User.objects.filter(email__iexact=email).first()
        with in_language_of(recipient, default=translation.get_language()):
            email_send(message=self.render_mail(template_prefix, email, ctx))
