from allauth.account.forms import SignupForm
from django import forms

from accounts.models import User


class CustomerSignupForm(SignupForm):
    """'I need a service': email, password, name and phone."""

    role = User.Role.CUSTOMER

    full_name = forms.CharField(max_length=150, label="Full name")
    phone = forms.CharField(max_length=32, required=False, label="Phone (optional)")

    def save(self, request):
        user = super().save(request)
        user.full_name = self.cleaned_data["full_name"]
        user.phone = self.cleaned_data.get("phone", "")
        user.role = self.role
        user.save(update_fields=["full_name", "phone", "role"])
        return user
