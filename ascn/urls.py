from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from registry.sitemaps import SITEMAPS
from registry.views import RobotsView


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for on pages naming no icon (the admin's)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("img/favicon.svg")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view()),
    path("robots.txt", RobotsView.as_view(), name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("registry.urls")),
]

# A refused request gets the 400 page in the site's frame, with its reason when it has one.
handler400 = "registry.views.bad_request"
# The 500 page in the site's frame, rendered without the database (registry.views.server_error).
handler500 = "registry.views.server_error"
