from allauth.account.views import SignupView
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.forms import CustomerSignupForm


class CustomerSignupView(SignupView):
    form_class = CustomerSignupForm
    template_name = "account/signup_customer.html"


@login_required
def dashboard(request):
    """One URL for everyone: each role lands on its own dashboard."""
    user = request.user
    if user.is_provider:
        return render(request, "accounts/provider_dashboard.html", {"profile": user.provider_profile})
    if user.is_staff and not user.is_customer:
        return redirect("admin:index")
    return render(request, "accounts/customer_dashboard.html")
