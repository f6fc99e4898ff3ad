from django.urls import path

from bookings import views

app_name = "bookings"
urlpatterns = [
    path("", views.booking_list, name="list"),
    path("<int:pk>/", views.booking_detail, name="detail"),
    path("<int:pk>/transition/", views.booking_transition_view, name="transition"),
    path("accept/<int:offer_pk>/", views.booking_accept_view, name="accept"),
]
