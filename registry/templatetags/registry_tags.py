from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format

from registry.models import DatePrecision

register = template.Library()

_FORMATS = {
    DatePrecision.DAY: "DATE_FORMAT",
    DatePrecision.MONTH: "YEAR_MONTH_FORMAT",
    DatePrecision.YEAR: "Y",
}


@register.filter
def precise_date(day, precision=DatePrecision.DAY):
    """A date only as precise as its source: "8 July 2018", "April 2018" or "2018"."""
    if day is None:
        return ""
    return date_format(day, _FORMATS.get(precision, "DATE_FORMAT"))


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """This list's URL at page `number`, keeping its filters and as_of."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    if number != 1:
        params["page"] = number
    return f"?{params.urlencode()}" if params else "?"


@register.simple_tag(takes_context=True)
def download_url(context, file_format):
    """This list's rows, all pages, as a file: its filters and as_of kept, the page dropped."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    params["format"] = file_format
    return f"?{params.urlencode()}"


@register.filter
def is_stale(record):
    return record.is_stale()


@register.inclusion_tag("registry/includes/suggestion_link.html")
def suggestion_link(kind, key, about=""):
    """ "Suggest a correction" for one record (`about` names it for screen readers); nothing
    when DJANGO_SUGGESTIONS_ENABLED is off."""
    if not settings.SUGGESTIONS_ENABLED:
        return {"url": None}
    return {"url": reverse("registry:suggestion-create", args=[kind, key]), "about": about}
