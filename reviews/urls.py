from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [
    path("providers/<id:pk>/", views.provider_profile, name="provider_profile"),
    path("bookings/<id:pk>/new/", views.review_create, name="create"),
    path("bookings/<id:pk>/rate-customer/", views.customer_rate, name="rate_customer"),
    path("<id:pk>/edit/", views.review_edit, name="edit"),
    path("<id:pk>/reply/", views.review_reply, name="reply"),
    path("mine/", views.my_reviews, name="mine"),
]
