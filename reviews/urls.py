from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [
    path("providers/<int:pk>/", views.provider_profile, name="provider_profile"),
    path("bookings/<int:pk>/new/", views.review_create, name="create"),
    path("bookings/<int:pk>/rate-customer/", views.customer_rate, name="rate_customer"),
    path("<int:pk>/edit/", views.review_edit, name="edit"),
    path("<int:pk>/reply/", views.review_reply, name="reply"),
    path("mine/", views.my_reviews, name="mine"),
]
