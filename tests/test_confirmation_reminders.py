"""manage.py send_confirmation_reminders, received by a real SMTP server on the loopback."""

import datetime
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import User
from django.core.management import call_command

from registry import confirmation, permissions
from registry.models import MemberStateEditor

from . import factories
from .conftest import make_staff

DUE = datetime.date(2027, 3, 31)


class Inbox:
    """aiosmtpd's handler: keeps each message received, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address):
        return [message for recipients, message in self.messages if address in recipients]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.REGISTRY_SITE_URL = "https://registry.example.org"
    settings.REGISTRY_REMINDER_DAYS_BEFORE_DUE = 14
    settings.REGISTRY_SECRETARIAT_EMAIL = [("Secretariat", "secretariat@example.org")]
    yield handler
    controller.stop()


@pytest.fixture
def round_of_three(db):
    """Three states: one not started, one in progress, one submitted."""
    opener = make_staff("opener", "Secretariat editor")
    states = [factories.member_state(name=name) for name in ("Alpha", "Beta", "Gamma")]
    for state in states:
        factories.city(member_state=state)
        editor = make_staff(f"ed-{state.code}", permissions.MEMBER_STATE_EDITOR_GROUP)
        editor.email = f"{state.code.lower()}@example.org"
        editor.save()
        MemberStateEditor.objects.create(user=editor, member_state=state)
    round_ = confirmation.open_round("2027 annual confirmation", DUE, opener, states)
    returns = {ret.member_state.name: ret for ret in round_.returns.select_related("member_state")}
    beta = returns["Beta"]
    confirmation.save_answers(
        beta, {confirmation.record_key(beta.member_state): confirmation.Answer("confirm")}, None
    )
    gamma = returns["Gamma"]
    confirmation.save_answers(
        gamma, {confirmation.record_key(gamma.member_state): confirmation.Answer("confirm")}, None
    )
    confirmation.submit(gamma, opener)
    return states, returns


def test_editors_are_reminded_before_the_due_date_and_the_secretariat_of_reviews(
    inbox, round_of_three
):
    states, returns = round_of_three
    call_command("send_confirmation_reminders", date=DUE - datetime.timedelta(days=14))
    alpha, beta, gamma = (f"{state.code.lower()}@example.org" for state in states)
    [to_alpha] = inbox.to(alpha)
    [to_beta] = inbox.to(beta)
    assert inbox.to(gamma) == []  # submitted: nothing to remind
    assert "Due on 31 March 2027" in to_alpha["Subject"]
    text = to_alpha.get_content()
    assert "0 record(s) confirmed" in text and "2 outstanding" in text
    assert f"https://registry.example.org{returns['Alpha'].get_absolute_url()}" in text
    assert "in progress: 1 record(s) confirmed" in to_beta.get_content()
    [summary] = inbox.to("secretariat@example.org")
    assert "1 confirmation return(s) wait on review" in summary["Subject"]
    assert returns["Gamma"].get_absolute_url() in summary.get_content()


@pytest.mark.parametrize(
    ("days_after_due", "reminded"),
    [(-13, False), (0, False), (1, True), (2, False), (7, False), (8, True), (15, True)],
)
def test_overdue_returns_are_reminded_weekly(inbox, round_of_three, days_after_due, reminded):
    states, _returns = round_of_three
    call_command("send_confirmation_reminders", date=DUE + datetime.timedelta(days=days_after_due))
    [to_alpha] = inbox.to(f"{states[0].code.lower()}@example.org") or [None]
    assert (to_alpha is not None) == reminded
    if reminded:
        assert to_alpha["Subject"].startswith("[ASCN Registry] Overdue:")


def test_the_secretariat_group_is_told_when_no_address_is_set(inbox, round_of_three, settings):
    settings.REGISTRY_SECRETARIAT_EMAIL = []
    opener = User.objects.get(username="opener")
    opener.email = "opener@example.org"
    opener.save()
    call_command("send_confirmation_reminders", date=DUE - datetime.timedelta(days=3))
    [summary] = inbox.to("opener@example.org")
    assert "Gamma" in summary.get_content()
