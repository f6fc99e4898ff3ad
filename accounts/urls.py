from django.urls import path

from accounts import views

urlpatterns = [
    path("signup/customer/", views.CustomerSignupView.as_view(), name="signup_customer"),
    path(
        "signup/provider/", views.CustomerSignupView.as_view(), name="signup_provider"
    ),  # replaced by the provider form
    path("dashboard/", views.dashboard, name="dashboard"),
]
