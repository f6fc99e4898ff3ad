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
]
