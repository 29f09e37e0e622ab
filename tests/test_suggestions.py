"""Corrections from the public: the form, its abuse controls, the e-mail and the staff queue."""

import datetime
import random
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from registry.models import Suggestion

from . import factories
from .servers import BASE_DIR, clean_environment

pytestmark = pytest.mark.django_db

GOOD = {
    "what_is_wrong": "The CSCO of this city changed in 2024.",
    "correct_value": "Ms Example, Director of the Smart City Office",
    "source": "https://example.org/news/2024/new-csco",
    "email": "reader@example.org",
}


@pytest.fixture(autouse=True)
def fresh_caches():
    caches[settings.REGISTRY_SUGGESTION_CACHE].clear()
    caches[settings.REGISTRY_PAGE_CACHE].clear()


@pytest.fixture
def city():
    return factories.city(name="Testville", slug="testville")


def suggest_url(kind, key):
    return reverse("registry:suggestion-create", args=[kind, key])


def post(client, url, **changes):
    return client.post(url, {**GOOD, "website": "", **changes})


def test_a_suggestion_is_stored_for_the_record_and_thanked(client, city):
    response = post(client, suggest_url("city", city.slug))
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:suggestion-thanks")
    suggestion = Suggestion.objects.get()
    assert suggestion.city == city and suggestion.record == city
    assert suggestion.status == Suggestion.Status.OPEN
    assert suggestion.what_is_wrong == GOOD["what_is_wrong"]
    assert suggestion.email == GOOD["email"]
    assert Suggestion.objects.get_by_natural_key(*suggestion.natural_key()) == suggestion
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("kind", ["member-state", "city", "officer", "agreement"])
def test_every_kind_of_record_takes_suggestions(client, kind):
    state = factories.member_state()
    records = {
        "member-state": (state, state.slug),
        "city": (factories.city(member_state=state),) * 2,
        "officer": (factories.officer(member_state=state),) * 2,
        "agreement": (factories.agreement(),) * 2,
    }
    record, key = records[kind]
    key = key if isinstance(key, str) else (key.slug if kind != "officer" else key.pk)
    page = client.get(suggest_url(kind, key))
    assert page.status_code == 200
    assert str(record) in page.content.decode()
    assert post(client, suggest_url(kind, key)).status_code == 302
    assert Suggestion.objects.get().record == record


@pytest.mark.parametrize(
    "kind,key", [("city", "no-such-city"), ("officer", "999999"), ("officer", "abc"), ("x", "y")]
)
def test_an_unknown_record_is_a_404(client, city, kind, key):
    assert client.get(suggest_url(kind, key)).status_code == 404
    assert post(client, suggest_url(kind, key)).status_code == 404
    assert not Suggestion.objects.exists()


HOSTILE = [
    ("what_is_wrong", "<script>alert(1)</script>"),
    ("correct_value", '<img src=x onerror="alert(1)">'),
    ("source", "<a href='https://evil.example'>x</a>"),
    ("what_is_wrong", "Wrong\x07name"),
    ("correct_value", "Bell\x1b[31m red"),
    ("source", "zero\u200bwidth"),
    ("what_is_wrong", "x" * 10_000),
    ("correct_value", "y" * 10_000),
    ("source", "https://example.org/" + "z" * 10_000),
    ("email", "a" * 300 + "@example.org"),
    ("source", "javascript:alert(1)"),
    ("source", "data:text/html,<b>x</b>"),
    ("source", "https://"),
    ("source", "http://exa mple.org/"),
    ("email", "not an address"),
    ("email", "a@b.org\nBcc: victim@example.org"),
    ("what_is_wrong", ""),
    ("what_is_wrong", "   "),
]


@pytest.mark.parametrize("field,value", HOSTILE)
def test_hostile_input_is_refused_with_a_message_and_nothing_stored(client, city, field, value):
    response = post(client, suggest_url("city", city.slug), **{field: value})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors[field]
    assert "Nothing was sent" in response.content.decode()
    # The value is never echoed as markup.
    assert "<script>" not in response.content.decode()
    assert 'onerror="alert' not in response.content.decode()
    assert not Suggestion.objects.exists()
    assert mail.outbox == []


def test_plain_text_with_angle_brackets_in_prose_is_accepted(client, city):
    response = post(client, suggest_url("city", city.slug), what_is_wrong="Population < 1 million")
    assert response.status_code == 302
    assert Suggestion.objects.get().what_is_wrong == "Population < 1 million"


def test_a_filled_honeypot_gets_the_usual_thanks_and_nothing_is_kept(client, city):
    response = post(client, suggest_url("city", city.slug), website="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:suggestion-thanks")
    assert not Suggestion.objects.exists()
    assert mail.outbox == []


def test_the_honeypot_is_hidden_by_the_stylesheet_not_by_inline_style(client, city):
    html = client.get(suggest_url("city", city.slug)).content.decode()
    assert 'class="honeypot"' in html
    assert "style=" not in html and "<script" not in html
    css = (BASE_DIR / "static" / "css" / "site.css").read_text()
    assert ".honeypot {" in css


def test_the_form_refuses_a_post_without_its_csrf_token(city):
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, suggest_url("city", city.slug)).status_code == 403
    assert not Suggestion.objects.exists()
    page = strict.get(suggest_url("city", city.slug))
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    response = strict.post(
        suggest_url("city", city.slug), {**GOOD, "csrfmiddlewaretoken": token, "website": ""}
    )
    assert response.status_code == 302
    assert Suggestion.objects.count() == 1


def test_the_form_page_is_neither_cached_nor_compressed(client, city):
    response = client.get(suggest_url("city", city.slug), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert not response.has_header("Content-Encoding")
    assert not response.has_header("ETag")


def test_the_secretariat_is_emailed_in_plain_text(client, city, settings):
    settings.SUGGESTIONS_EMAIL = ["secretariat@example.org"]
    hostile_but_plain = "Name is wrong & the title too"
    post(client, suggest_url("city", city.slug), correct_value=hostile_but_plain)
    (message,) = mail.outbox
    assert message.to == ["secretariat@example.org"]
    assert message.reply_to == ["reader@example.org"]
    assert "Testville" in message.subject and "\n" not in message.subject
    assert not getattr(message, "alternatives", [])
    assert message.content_subtype == "plain"
    assert hostile_but_plain in message.body
    assert GOOD["source"] in message.body
    suggestion = Suggestion.objects.get()
    assert str(suggestion.reference) in message.body
    assert reverse("admin:registry_suggestion_change", args=[suggestion.pk]) in message.body


def test_without_an_address_nobody_is_emailed_and_the_suggestion_is_kept(client, city, settings):
    settings.SUGGESTIONS_EMAIL = []
    post(client, suggest_url("city", city.slug))
    assert mail.outbox == []
    assert Suggestion.objects.count() == 1


def test_a_failing_mail_server_still_keeps_the_suggestion(client, city, settings):
    settings.SUGGESTIONS_EMAIL = ["secretariat@example.org"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    assert post(client, suggest_url("city", city.slug)).status_code == 302
    assert Suggestion.objects.count() == 1


def test_the_rate_limit_refuses_the_sixth_suggestion_in_an_hour(client, city, settings):
    settings.SUGGESTIONS_PER_HOUR = 5
    url = suggest_url("city", city.slug)
    for _n in range(5):
        assert client.post(url, GOOD, REMOTE_ADDR="192.0.2.7").status_code == 302
    refused = client.post(url, {**GOOD, "website": ""}, REMOTE_ADDR="192.0.2.7")
    assert refused.status_code == 429
    assert "Too many suggestions" in refused.content.decode()
    assert Suggestion.objects.count() == 5
    # Another address is counted on its own.
    assert client.post(url, GOOD, REMOTE_ADDR="192.0.2.8").status_code == 302


def test_the_rate_limit_counts_the_client_behind_the_proxies(client, city, settings):
    settings.SUGGESTIONS_PER_HOUR = 2
    settings.PROXY_COUNT = 1
    url = suggest_url("city", city.slug)
    # The same client, whatever it forges left of what the proxy appended.
    for forged in ("1.1.1.1", "2.2.2.2"):
        response = client.post(
            url, GOOD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"{forged}, 198.51.100.4"
        )
        assert response.status_code == 302
    response = client.post(
        url, GOOD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="3.3.3.3, 198.51.100.4"
    )
    assert response.status_code == 429
    # Another client behind the same proxy is not.
    response = client.post(url, GOOD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.5")
    assert response.status_code == 302


def test_the_rate_limit_lives_in_a_cache_every_app_server_shares():
    backend = settings.CACHES[settings.REGISTRY_SUGGESTION_CACHE]["BACKEND"]
    assert backend in (
        "django.core.cache.backends.db.DatabaseCache",
        "ascn.caches.RedisCache",
    )


def run_process(env, *args):
    result = subprocess.run(
        [sys.executable, "-m", "tests.suggestion_process", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return [int(line) for line in result.stdout.split()]


def redis_answers():
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.parametrize("cache", ["database", "redis"])
def test_two_app_processes_share_one_count(tmp_path, cache):
    if cache == "redis" and not redis_answers():
        pytest.skip("no Redis answers at 127.0.0.1:6379")
    env = clean_environment(
        DJANGO_SETTINGS_MODULE="ascn.settings",
        DJANGO_DEBUG="1",
        DJANGO_SECRET_KEY=f"rate-test-{random.random()}",
        DJANGO_SUGGESTIONS_PER_HOUR="5",
        DATABASE_URL=f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:6379/0" if cache == "redis" else "",
    )
    run_process(env, "setup")
    address = f"203.0.113.{random.randint(1, 254)}"
    first = run_process(env, "post", "3", address)
    second = run_process(env, "post", "3", address)
    assert first == [302, 302, 302]
    # The second process saw the first one's three: two more, then refused.
    assert second == [302, 302, 429]


def test_with_the_setting_off_the_form_is_gone_and_no_page_links_to_it(client, city, settings):
    officer = factories.officer(city=city)
    agreement = factories.agreement()
    pages = [
        city.get_absolute_url(),
        city.member_state.get_absolute_url(),
        agreement.get_absolute_url(),
        reverse("registry:officer-list"),
    ]
    for path in pages:
        assert "Suggest a correction" in client.get(path).content.decode(), path
    settings.SUGGESTIONS_ENABLED = False
    for path in pages:
        assert "Suggest a correction" not in client.get(path).content.decode(), path
        assert "/suggest/" not in client.get(path).content.decode(), path
    assert client.get(suggest_url("city", city.slug)).status_code == 404
    assert post(client, suggest_url("officer", officer.pk)).status_code == 404
    assert client.get(reverse("registry:suggestion-thanks")).status_code == 404
    assert not Suggestion.objects.exists()


def test_each_officer_row_links_to_a_suggestion_for_that_officer(client, city):
    current = factories.officer(city=city, name="Current Holder")
    past = factories.officer(
        city=city,
        name="Past Holder",
        start_date=datetime.date(2018, 1, 1),
        end_date=datetime.date(2019, 1, 1),
    )
    representative = factories.officer(member_state=city.member_state, name="The Rep")
    city_page = client.get(city.get_absolute_url()).content.decode()
    assert suggest_url("officer", current.pk) in city_page
    assert suggest_url("officer", past.pk) in city_page
    assert suggest_url("city", city.slug) in city_page
    state_page = client.get(city.member_state.get_absolute_url()).content.decode()
    assert suggest_url("officer", representative.pk) in state_page
    assert suggest_url("member-state", city.member_state.slug) in state_page


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/cities/",
        "/cities/testville/",
        "/member-states/",
        "/officers/",
        "/agreements/",
        "/sources/",
        "/data/popolo.json",
        "/suggest/thanks/",
    ],
)
def test_anonymous_users_can_post_nothing_but_the_suggestion_form(client, city, path):
    response = client.post(path, GOOD)
    assert response.status_code in (403, 405)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(path, GOOD).status_code in (403, 405)
    assert not Suggestion.objects.exists()


def test_the_admin_queue_is_for_staff_only(client, city):
    response = client.get(reverse("admin:registry_suggestion_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_the_form_takes_at_most_the_body_limit(client, city):
    response = client.post(
        suggest_url("city", city.slug),
        {**GOOD, "what_is_wrong": "x" * (settings.REGISTRY_MAX_REQUEST_BYTES + 10)},
    )
    assert response.status_code == 413
    assert not Suggestion.objects.exists()
