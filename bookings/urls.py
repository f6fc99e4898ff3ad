from django.urls import path

from bookings import views

app_name = "bookings"
urlpatterns = [
    path("", views.booking_list, name="list"),
    path("<id:pk>/", views.booking_detail, name="detail"),
    path("<id:pk>/transition/", views.booking_transition_view, name="transition"),
    path("<id:pk>/reopen-offer/", views.booking_offer_reopen_view, name="reopen_offer"),
    path("accept/<id:offer_pk>/", views.booking_accept_view, name="accept"),
    path("accept-quote/<id:quote_pk>/", views.quote_accept_view, name="accept_quote"),
]
