from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from django import forms

from accounts.models import User


class AccountAdapter(DefaultAccountAdapter):
    """Email is the identity (no username); signup forms say which role the new user gets."""

    def clean_email(self, email: str) -> str:
        """Every address a user gives allauth (signup, adding one) fits the columns that store it.

        Django's form field allows 320 characters; User.email and EmailAddress.email hold 254, and a
        longer one was cut short by MariaDB in non-strict mode, leaving the account unreachable.
        """
        limit = min(User._meta.get_field("email").max_length, app_settings.EMAIL_MAX_LENGTH)
        if len(email) > limit:
            raise forms.ValidationError(f"Email addresses can be at most {limit} characters.")
        return super().clean_email(email)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data.get("full_name", "")
        user.phone = form.cleaned_data.get("phone", "")
        user.role = getattr(form, "role", User.Role.CUSTOMER)
        if commit:
            user.save()
        return user
