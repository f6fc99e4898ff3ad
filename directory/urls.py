from django.urls import path

from directory import views

app_name = "directory"
urlpatterns = [
    path("", views.directory_list, name="list"),
    path("my-rate/", views.hourly_rate_edit, name="rate"),
]
