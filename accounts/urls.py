from django.urls import path

from accounts import views

urlpatterns = [
    path("signup/customer/", views.CustomerSignupView.as_view(), name="signup_customer"),
    path("signup/provider/", views.ProviderSignupView.as_view(), name="signup_provider"),
    path("terms/", views.legal_page_view, {"kind": "terms"}, name="terms"),
    path("privacy/", views.legal_page_view, {"kind": "privacy"}, name="privacy"),
    path("verify-email/resend/", views.email_verification_resend, name="email_verification_resend"),
    path("account/settings/", views.account_settings, name="account_settings"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("provider/status/", views.provider_status, name="provider_status"),
    path("provider/area/", views.provider_area, name="provider_area"),
    path("provider/<id:pk>/document/", views.provider_document, name="provider_document"),
    path("provider/photos/", views.provider_photos, name="provider_photos"),
    path("provider/<id:pk>/avatar/", views.provider_avatar, name="provider_avatar"),
    path(
        "provider/<id:pk>/avatar/thumbnail/",
        views.provider_avatar,
        {"thumbnail": True},
        name="provider_avatar_thumbnail",
    ),
    path("portfolio/<id:pk>/", views.portfolio_photo, name="portfolio_photo"),
    path("portfolio/<id:pk>/thumbnail/", views.portfolio_photo, {"thumbnail": True}, name="portfolio_photo_thumbnail"),
]
