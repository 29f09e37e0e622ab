"""The public record of changes: its page (`/changes/`) and its Atom feed (`/changes/feed/`)."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, View

from .. import pagination
from ..changes import Changes, recent_changes
from .base import ConditionalGetMixin, PublicPageMixin

FEED_SIZE = 50


class ChangeListView(PublicPageMixin, ListView):
    """The public changes, newest first, 50 historical rows a page (see registry.changes)."""

    known_parameters = ("page",)
    paginate_by = 50
    template_name = "registry/change_list.html"
    context_object_name = "changes"

    def get_queryset(self):
        return Changes()

    def paginate_queryset(self, queryset, page_size):
        page = self.request.GET.get("page") or "1"
        if not pagination.is_page_number(page):
            raise Http404(
                _("There is no page “%(page)s”: pages are numbered 1, 2, 3 and so on.")
                % {"page": page[:20]}
            )
        return super().paginate_queryset(queryset, page_size)


def change_title(change):
    title = _("%(type)s “%(label)s” %(kind)s %(by)s") % {
        "type": change.record_type.capitalize(),
        "label": change.label,
        "kind": change.kind,
        "by": change.by,
    }
    return str(title)


class ChangeFeed(Feed):
    feed_type = Atom1Feed
    title = _("ASCN Registry: recent changes")
    subtitle = _("The latest changes to the public records of the ASEAN Smart Cities Network.")

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def link(self):
        return reverse("registry:change-list")

    def feed_url(self):
        return reverse("registry:change-feed")

    def items(self):
        return recent_changes(FEED_SIZE)

    def item_title(self, item):
        return change_title(item)

    def item_description(self, item):
        lines = [f"{field.name}: {field.old or '–'} → {field.new or '–'}" for field in item.fields]
        return "; ".join(lines) or change_title(item)

    def item_link(self, item):
        return item.url or f"{reverse('registry:change-list')}#change-{item.key}"

    def item_guid(self, item):
        # One per historical row, whatever becomes of the record and its address.
        return f"tag:{self.request.get_host()},2018:registry-change/{item.key}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.when

    def item_updateddate(self, item):
        return item.when


class ChangeFeedView(ConditionalGetMixin, View):
    """The feed, through the page cache and conditional GET like every public page."""

    def get(self, request, *args, **kwargs):
        return ChangeFeed()(request)
