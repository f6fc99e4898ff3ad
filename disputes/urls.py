from django.urls import path

from disputes import views

app_name = "disputes"
urlpatterns = [
    path("booking/<id:booking_pk>/report/", views.dispute_open_view, name="open"),
    path("booking/<id:booking_pk>/respond/", views.dispute_respond_view, name="respond"),
    path("photo/<id:pk>/", views.dispute_photo, name="photo"),
    path("photo/<id:pk>/thumbnail/", views.dispute_photo, {"thumbnail": True}, name="thumbnail"),
]
