"""The staff queue of corrections from the public (registry/staff/suggestions.py)."""

import pytest
from django.urls import reverse

from registry.models import Suggestion

from .. import factories

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:registry_suggestion_changelist"


def suggestion(**fields):
    if not any(f in fields for f in ("member_state", "city", "officer", "agreement")):
        fields["city"] = factories.city(name="Queueville")
    fields.setdefault("what_is_wrong", "The CSCO changed.")
    return Suggestion.objects.create(**fields)


def test_the_queue_lists_suggestions_by_status_and_opens_their_record(editor_client):
    open_one = suggestion()
    closed = suggestion(
        what_is_wrong="Old news", status="rejected", resolved_at="2026-01-01T00:00Z"
    )
    response = editor_client.get(reverse(CHANGELIST), {"status__exact": "open"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "The CSCO changed." in html and "Old news" not in html
    page = editor_client.get(reverse("admin:registry_suggestion_change", args=[open_one.pk]))
    assert reverse("admin:registry_city_change", args=[open_one.city.pk]) in page.content.decode()
    assert reverse("admin:registry_city_history", args=[open_one.city.pk]) in page.content.decode()
    assert closed.pk


def test_marking_resolved_records_who_when_and_the_change_that_resolved_it(editor_client, editor):
    item = suggestion()
    city = item.city
    city.name = "Queueville Corrected"
    city.save()
    change = city.history.latest()
    response = editor_client.post(
        reverse(CHANGELIST), {"action": "mark_resolved", "_selected_action": [item.pk]}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Suggestion.Status.RESOLVED
    assert item.resolved_by == editor and item.resolved_at is not None
    assert item.resolving_change == change.history_id


def test_rejecting_in_the_form_keeps_the_note(editor_client, editor):
    item = suggestion()
    url = reverse("admin:registry_suggestion_change", args=[item.pk])
    response = editor_client.post(
        url,
        {"status": "rejected", "staff_note": "The source says otherwise.", "resolving_change": ""},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Suggestion.Status.REJECTED
    assert item.staff_note == "The source says otherwise."
    assert item.resolved_by == editor and item.resolved_at is not None


def test_the_public_text_is_shown_as_text_in_the_admin(editor_client):
    item = suggestion(what_is_wrong="<b>bold</b>", source="javascript:alert(1)")
    page = editor_client.get(reverse("admin:registry_suggestion_change", args=[item.pk]))
    html = page.content.decode()
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert 'href="javascript:' not in html


def test_viewers_read_the_queue_and_change_nothing(viewer_client):
    item = suggestion()
    assert viewer_client.get(reverse(CHANGELIST)).status_code == 200
    response = viewer_client.post(
        reverse(CHANGELIST), {"action": "mark_resolved", "_selected_action": [item.pk]}
    )
    item.refresh_from_db()
    assert item.status == Suggestion.Status.OPEN
    assert response.status_code in (200, 302, 403)


def test_staff_never_add_a_suggestion_themselves(editor_client):
    assert editor_client.get(reverse("admin:registry_suggestion_add")).status_code == 403


def test_a_suggestion_is_about_exactly_one_record():
    from django.db import IntegrityError, transaction

    city = factories.city()
    with pytest.raises(IntegrityError), transaction.atomic():
        Suggestion.objects.create(what_is_wrong="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Suggestion.objects.create(what_is_wrong="x", city=city, member_state=city.member_state)
    assert str(Suggestion.objects.create(what_is_wrong="x", city=city)).startswith("About")
