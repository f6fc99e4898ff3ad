from allauth.account.adapter import DefaultAccountAdapter

from accounts.models import User


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
