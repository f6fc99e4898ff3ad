from django.urls import path

from accounts import views

urlpatterns = [
    path("signup/customer/", views.CustomerSignupView.as_view(), name="signup_customer"),
    path("signup/provider/", views.ProviderSignupView.as_view(), name="signup_provider"),
    path("terms/", views.legal_page_view, {"kind": "terms"}, name="terms"),
    path("privacy/", views.legal_page_view, {"kind": "privacy"}, name="privacy"),
    path("verify-email/resend/", views.email_verification_resend, name="email_verification_resend"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("provider/status/", views.provider_status, name="provider_status"),
    path("provider/<id:pk>/document/", views.provider_document, name="provider_document"),
]
