from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("booking/<id:pk>/pay/", views.pay, name="pay"),
    path("booking/<id:pk>/pay/card-setup/", views.card_setup, name="card_setup"),
    path("booking/<id:pk>/pay/return/", views.pay_return, name="pay_return"),
    path("booking/<id:pk>/receipt/", views.receipt, name="receipt"),
    path("booking/<id:pk>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("cards/", views.cards, name="cards"),
    path("cards/<id:pk>/remove/", views.card_delete, name="card_remove"),
    path("cancellation-policy/", views.cancellation_policy, name="cancellation_policy"),
    path("stripe/webhook/", views.webhook, name="webhook"),
    path("earnings/", views.earnings, name="earnings"),
    path("history/", views.history, name="history"),
    path("connect/", views.connect, name="connect"),
    path("connect/return/", views.connect_return, name="connect_return"),
]
