from django.urls import path

from chat import views

app_name = "chat"
urlpatterns = [
    path("", views.conversation_list_view, name="list"),
    path("<id:pk>/", views.conversation_detail, name="conversation"),
    path("<id:pk>/history/", views.conversation_history, name="history"),
    path("<id:pk>/photo/", views.conversation_photo_send, name="send_photo"),
    path("photos/<id:pk>/", views.chat_photo, name="photo"),
    path("photos/<id:pk>/thumbnail/", views.chat_photo, {"thumbnail": True}, name="photo_thumbnail"),
    path("ask/<id:offer_pk>/", views.conversation_ask, name="ask"),
    path("booking/<id:booking_pk>/", views.conversation_for_booking_view, name="booking"),
]
