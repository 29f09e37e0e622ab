"""
Corrections from the public: the form, its abuse controls and the e-mail to the secretariat.

Nothing here publishes anything. A suggestion is stored for staff (registry.models.Suggestion)
and e-mailed as plain text to DJANGO_SUGGESTIONS_EMAIL; the pages never show it.
"""

import hashlib
import logging
import re
import time
import unicodedata

from django import forms
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import URLValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ascn.middleware import client_ip

from .models import Agreement, City, MemberState, Officer, Suggestion

logger = logging.getLogger(__name__)

# The kinds of record a suggestion URL names, with the field that finds one. Officers have
# no slug: their tenures are told apart by id, as on no other page.
RECORD_KINDS = {
    "member-state": ("member_state", MemberState, "slug"),
    "city": ("city", City, "slug"),
    "officer": ("officer", Officer, "pk"),
    "agreement": ("agreement", Agreement, "slug"),
}

# Text that looks like markup: a tag, a comment or a declaration. Nothing renders it (every
# page autoescapes, the e-mail is plain text), but nobody needs markup to point out an error.
MARKUP = re.compile(r"<\s*[A-Za-z!/?]")
URL_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")
RATE_WINDOW_SECONDS = 60 * 60


def find_record(kind, key):
    """(field name, record) for a suggestion URL's kind and key; None when there is none."""
    if kind not in RECORD_KINDS:
        return None
    field, model, lookup = RECORD_KINDS[kind]
    if lookup == "pk" and not key.isdigit():
        return None
    if lookup == "slug":  # stored NFC, as the detail pages' converter reads them
        key = unicodedata.normalize("NFC", key)
    queryset = model.objects.all()
    if model is Officer:
        queryset = queryset.with_posts()
    elif model is City:
        queryset = queryset.with_state()
    record = queryset.filter(**{lookup: key}).first()
    return None if record is None else (field, record)


def plain_text(value):
    """Refuse markup and control characters (a line break and a tab are fine)."""
    for char in value:
        if char not in "\n\r\t" and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co"):
            raise ValidationError(
                _("Remove the control character U+%(code)04X: write plain text."),
                params={"code": ord(char)},
                code="control",
            )
    if MARKUP.search(value):
        raise ValidationError(
            _("Write plain text: HTML tags and markup are not accepted."), code="markup"
        )


def link_or_text(value):
    """A source is a web address (http or https only) or a plain description."""
    if URL_SCHEME.match(value):
        if not value.strip().lower().startswith(("http://", "https://")):
            raise ValidationError(
                _("A link must start with http:// or https://; or describe the source in words."),
                code="scheme",
            )
        URLValidator(
            schemes=["http", "https"], message=_("This link is not a valid web address.")
        )(value.strip())


class SuggestionForm(forms.ModelForm):
    """What the public fills in. `website` is a honeypot: hidden from people, and a bot that
    fills it gets the usual thanks while nothing is kept."""

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = Suggestion
        fields = ["what_is_wrong", "correct_value", "source", "email"]
        labels = {
            "what_is_wrong": _("What is wrong"),
            "correct_value": _("The correct value"),
            "source": _("Source (a link or where it says so)"),
            "email": _("Your e-mail address, if you would like a reply (optional)"),
        }
        widgets = {
            "what_is_wrong": forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
            "correct_value": forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
            "source": forms.TextInput(attrs={"maxlength": 1000}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = {"what_is_wrong": 2000, "correct_value": 2000, "source": 1000, "email": 254}
        for name, limit in limits.items():
            field = self.fields[name]
            field.max_length = limit
            field.validators.append(forms.fields.validators.MaxLengthValidator(limit))
            field.validators.append(plain_text)
        self.fields["source"].validators.append(link_or_text)
        self.fields["website"].validators.append(plain_text)

    @property
    def is_bot(self):
        return bool(self.cleaned_data.get("website"))


class RateLimit:
    """
    At most SUGGESTIONS_PER_HOUR suggestions an hour from one client address, counted per
    clock hour in the REGISTRY_SUGGESTION_CACHE every app server shares (the database, or
    Redis when REDIS_URL is set). The key holds a hash of the address, not the address.
    """

    def __init__(self, request):
        address = client_ip(request) or "unknown"
        window = int(time.time() // RATE_WINDOW_SECONDS)
        digest = hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:32]
        self.key = f"suggestion-rate:{window}:{digest}"
        self.cache = caches[settings.REGISTRY_SUGGESTION_CACHE]

    def exceeded(self):
        return (self.cache.get(self.key) or 0) >= settings.SUGGESTIONS_PER_HOUR

    def count(self):
        """One more suggestion from this address (Redis counts atomically; the database
        cache reads and writes, so two at the very same instant may count once)."""
        if self.cache.add(self.key, 1, timeout=RATE_WINDOW_SECONDS):
            return
        try:
            self.cache.incr(self.key)
        except ValueError:  # expired between add() and incr()
            self.cache.add(self.key, 1, timeout=RATE_WINDOW_SECONDS)


def keep(form, found, request):
    """Store the suggestion about `found` (field name, record) and e-mail it."""
    suggestion = form.save(commit=False)
    field, record = found
    setattr(suggestion, field, record)
    suggestion.save()
    notify(
        suggestion,
        request.build_absolute_uri(record.get_absolute_url()),
        request.build_absolute_uri(
            reverse("admin:registry_suggestion_change", args=[suggestion.pk])
        ),
    )
    return suggestion


def notify(suggestion, record_url, admin_url):
    """E-mail the suggestion, as plain text, to DJANGO_SUGGESTIONS_EMAIL (if set). A mail
    server that fails is logged: the suggestion is kept in the queue all the same."""
    recipients = settings.SUGGESTIONS_EMAIL
    if not recipients:
        return
    record = suggestion.record
    lines = [
        f"A correction was suggested for {record._meta.verbose_name} “{record}”.",
        f"Public page: {record_url}",
        f"In the staff queue: {admin_url}",
        f"Reference: {suggestion.reference}",
        "",
        "What is wrong:",
        suggestion.what_is_wrong,
        "",
        "The correct value:",
        suggestion.correct_value or "(not given)",
        "",
        "Source:",
        suggestion.source or "(not given)",
        "",
        f"Reply to: {suggestion.email or '(no address given)'}",
    ]
    message = EmailMessage(
        # A header holds no line break (Django would refuse the message).
        subject=" ".join(f"{settings.EMAIL_SUBJECT_PREFIX}Suggested correction: {record}".split())[
            :200
        ],
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=[suggestion.email] if suggestion.email else None,
    )
    try:
        message.send()
    except Exception:
        logger.exception("The suggestion %s could not be e-mailed.", suggestion.reference)
