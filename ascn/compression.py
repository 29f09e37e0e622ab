"""
gzip for the responses that carry no secret: the public pages and the downloads.

A page that holds a CSRF token (the admin, the login, any form that posts) is sent
uncompressed. BREACH: an attacker who can make a victim's browser request a page many times,
with text of the attacker's choosing reflected in it (a search term, say), can recover a
secret in the same compressed body from the sizes of the responses. The public pages and
downloads hold no secret, so compressing them gives nothing away.
"""

from django.conf import settings
from django.middleware.gzip import GZipMiddleware

# Bodies worth compressing; XLSX and ODS are zip archives already, images are compressed.
COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/ld+json",
    "application/xml",
    "application/javascript",
    "image/svg+xml",
)


class SafeGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (streamed responses stay streamed, ETags become weak and
    still match If-None-Match), skipped for the admin and for any response rendered with a
    CSRF token.

    It must sit inside CsrfViewMiddleware: `get_token()` sets CSRF_COOKIE_NEEDS_UPDATE,
    and CsrfViewMiddleware clears it again once it has set the cookie.
    """

    def process_response(self, request, response):
        if not self.is_safe_to_compress(request, response):
            return response
        return super().process_response(request, response)

    def is_safe_to_compress(self, request, response):
        if request.path_info.startswith("/" + settings.ADMIN_URL):
            return False
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return False
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        return content_type.startswith(COMPRESSIBLE_TYPES)
