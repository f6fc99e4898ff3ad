from django.urls import path

from chat import views

app_name = "chat"
urlpatterns = [
    path("", views.conversation_list_view, name="list"),
    path("<int:pk>/", views.conversation_detail, name="conversation"),
    path("<int:pk>/history/", views.conversation_history, name="history"),
    path("ask/<int:offer_pk>/", views.conversation_ask, name="ask"),
    path("booking/<int:booking_pk>/", views.conversation_for_booking_view, name="booking"),
]
