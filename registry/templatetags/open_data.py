"""Template tags for what the pages say about the open data: citations, download links in
the page head, and one block's text reused (the title in OpenGraph's og:title)."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.http import QueryDict
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from registry import open_data

register = template.Library()


@register.simple_tag(takes_context=True)
def dataset_citation(context, dataset=""):
    """How to cite this page's dataset (or, with no name, the whole registry)."""
    request = context["request"]
    network = context.get("network")
    path = request.path if dataset else reverse("registry:home")
    return open_data.citation(
        request.build_absolute_uri(path),
        dataset=dataset,
        publisher=getattr(network, "name", ""),
    )


@register.inclusion_tag("registry/includes/alternate_links.html", takes_context=True)
def alternate_downloads(context, list_name="", label="", **filters):
    """
    `<link rel="alternate">` to the CSV, XLSX and JSON downloads: of this list with its
    filters (no arguments), or of the list `list_name` filtered by `filters` (a record's
    cities or officers). A page in the past (`as_of`) links to the downloads of that day.
    """
    request = context["request"]
    label = label or block_text(context, "title")
    if list_name:
        path = reverse(f"registry:{list_name}")
        params = QueryDict(mutable=True)
        params.update({key: value for key, value in filters.items() if value})
        if context.get("as_of"):
            params["as_of"] = context["as_of"].isoformat()
    else:
        path = request.path
        params = request.GET.copy()
        params.pop("page", None)
    links = []
    for file_format, (media_type, format_label) in open_data.DOWNLOAD_TYPES.items():
        params["format"] = file_format
        links.append(
            {
                "href": f"{path}?{params.urlencode()}",
                "type": media_type,
                "title": f"{label} ({format_label})" if label else format_label,
            }
        )
    return {"links": links}


@register.simple_tag(takes_context=True)
def block_text(context, name):
    """
    The text of the block `name` as this page fills it, rendered once more: so that
    og:title says what <title> says without each page writing its title twice. A block that
    calls {{ block.super }} is not supported (no page's title or description does).
    """
    block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
    block = block_context.get_block(name) if block_context else None
    if block is None:
        return ""
    # Rendered (and so escaped) already; strip() would drop the mark.
    return mark_safe(block.nodelist.render(context).strip())


# What json_script escapes, for the same reason: no "</script>" or "<!--" can close or bend the
# block, whatever text the data holds.
JSON_LD_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(value):
    """
    `value` as a JSON-LD block. It is a data block, not a script: browsers never run a
    <script> whose type is not JavaScript, and the Content-Security-Policy's script-src
    applies only to scripts that would run, so the site's policy needs no exception for it.
    """
    data = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_LD_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(data))
