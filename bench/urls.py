"""The product's URLs plus /bench/trivial/, a view that does no work: the framework floor."""

from django.http import HttpResponse
from django.urls import path

from ascn.urls import urlpatterns as product_urlpatterns


def trivial(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial, name="bench-trivial"),
    *product_urlpatterns,
]
