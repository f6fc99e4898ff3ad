from django.urls import path

from accounts import views

urlpatterns = [
    path("signup/customer/", views.CustomerSignupView.as_view(), name="signup_customer"),
    path("signup/provider/", views.ProviderSignupView.as_view(), name="signup_provider"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("provider/status/", views.provider_status, name="provider_status"),
    path("provider/area/", views.provider_area, name="provider_area"),
    path("provider/<id:pk>/document/", views.provider_document, name="provider_document"),
]
