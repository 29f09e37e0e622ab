"""Corrections from the public: the "Suggest a correction" form and its thanks page."""

from django.conf import settings
from django.http import (
    Http404,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from .. import (
    suggestions,
)

# Corrections from the public ----------------------------------------------------------------


class SuggestionsEnabledMixin:
    """404 unless DJANGO_SUGGESTIONS_ENABLED; never cached (the form holds a CSRF token)."""

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        if not settings.SUGGESTIONS_ENABLED:
            raise Http404(_("This site does not take suggestions."))
        return super().dispatch(request, *args, **kwargs)


class SuggestionCreateView(SuggestionsEnabledMixin, FormView):
    """ "Suggest a correction" for one record (README "Corrections from the public")."""

    form_class = suggestions.SuggestionForm
    template_name = "registry/suggestion_form.html"

    @cached_property
    def found(self):
        found = suggestions.find_record(self.kwargs["kind"], self.kwargs["key"])
        if found is None:
            raise Http404(_("The registry has no such record."))
        return found

    def post(self, request, *args, **kwargs):
        self.rate_limit = suggestions.RateLimit(request)
        if self.rate_limit.exceeded():
            return self.render_to_response(self.get_context_data(rate_limited=True), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        self.rate_limit.count()
        if not form.is_bot:  # a bot gets the same thanks, and nothing is kept or sent
            suggestions.keep(form, self.found, self.request)
        return HttpResponseRedirect(reverse("registry:suggestion-thanks"))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        record = self.found[1]
        return super().get_context_data(
            record=record, record_kind=record._meta.verbose_name, **kwargs
        )


class SuggestionThanksView(SuggestionsEnabledMixin, TemplateView):
    template_name = "registry/suggestion_thanks.html"
