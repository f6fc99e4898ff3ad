from django.urls import path

from offers import views

app_name = "offers"
urlpatterns = [
    path("", views.offer_mine, name="mine"),
    path("new/", views.offer_create, name="create"),
    path("reach/", views.offer_reach, name="reach"),
    path("feed/", views.offer_feed, name="feed"),
    path("<id:pk>/", views.offer_detail, name="detail"),
    path("<id:pk>/edit/", views.offer_edit, name="edit"),
    path("<id:pk>/withdraw/", views.offer_withdraw, name="withdraw"),
    path("<id:pk>/decline/", views.offer_decline, name="decline"),
    path("<id:pk>/quotes/", views.offer_quotes, name="quotes"),
    path("<id:pk>/quote/", views.quote_send, name="quote"),
    path("quotes/<id:pk>/withdraw/", views.quote_withdraw, name="quote_withdraw"),
    path("quotes/<id:pk>/decline/", views.quote_decline, name="quote_decline"),
    path("photos/<id:pk>/", views.offer_photo, name="photo"),
    path("photos/<id:pk>/thumbnail/", views.offer_photo, {"thumbnail": True}, name="photo_thumbnail"),
]
