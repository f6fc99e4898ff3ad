from django.urls import include, path

from accounts.views import home
from servizo.admin import admin_site
from servizo.languages import javascript_catalog, language_switch
from servizo.views import favicon, healthz

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    # Browsers and crawlers ask for /favicon.ico whatever the page links.
    path("favicon.ico", favicon),
    path("admin/", admin_site.urls),
    path("i18n/setlang/", language_switch, name="set_language"),
    path("jsi18n/<str:language>/", javascript_catalog, name="javascript_catalog"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
    path("providers/", include("directory.urls")),
    path("offers/", include("offers.urls")),
    path("places/", include("places.urls")),
    path("bookings/", include("bookings.urls")),
    path("payments/", include("payments.urls")),
    path("messages/", include("chat.urls")),
    path("reviews/", include("reviews.urls")),
    path("disputes/", include("disputes.urls")),
]

handler403 = "servizo.views.permission_denied"
handler404 = "servizo.views.page_not_found"
handler500 = "servizo.views.server_error"
