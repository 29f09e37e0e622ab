"""E-mail reminders of confirmation rounds: run once a day (cron; see README)."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registry.models import Return

SECRETARIAT_GROUP = "Secretariat editor"


class Command(BaseCommand):
    """Remind member-state editors of unsubmitted returns; tell the secretariat what waits.

    A return not yet submitted is reminded REGISTRY_REMINDER_DAYS_BEFORE_DUE days before its
    round's due date, and once a week after it (the first day overdue, then every seventh),
    to its state's editors with an e-mail address. Every run also lists the returns waiting on
    review to REGISTRY_SECRETARIAT_EMAIL (else the Secretariat editor group's addresses).
    """

    help = "E-mail reminders of confirmation returns due, overdue and waiting on review."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            help="Act as if today were this date (YYYY-MM-DD); for catching up a missed day.",
        )

    def handle(self, *args, date=None, **options):
        today = date or timezone.localdate()
        messages = [*self.state_reminders(today), *self.secretariat_summary()]
        if not messages:
            self.stdout.write("No reminders today.")
            return
        try:
            sent = get_connection().send_messages(messages)
        except OSError as error:
            raise CommandError(f"The mail server refused the reminders: {error}") from error
        self.stdout.write(f"Sent {sent or 0} e-mail(s).")

    def state_reminders(self, today):
        before = settings.REGISTRY_REMINDER_DAYS_BEFORE_DUE
        returns = (
            Return.objects.not_submitted()
            .with_progress()
            .with_state_editors()
            .order_by("round__due_date", "member_state__name")
        )
        for ret in returns:
            days_late = (today - ret.round.due_date).days
            if days_late != -before and not (days_late > 0 and days_late % 7 == 1):
                continue
            recipients = [
                editor.user.email
                for editor in ret.member_state.editors.all()
                if editor.user.is_active and editor.user.email
            ]
            if not recipients:
                self.stderr.write(f"{ret}: no member-state editor with an e-mail address.")
                continue
            yield self.message(ret, recipients, today, days_late)

    def message(self, ret, recipients, today, days_late):
        outstanding = max(ret.record_count - ret.confirmed_count - ret.corrected_count, 0)
        if days_late > 0:
            subject = f"Overdue: {ret.round} for {ret.member_state}"
            when = f"was due on {ret.round.due_date:%d %B %Y} ({days_late} days ago)"
        else:
            subject = f"Due on {ret.round.due_date:%d %B %Y}: {ret.round} for {ret.member_state}"
            when = f"is due on {ret.round.due_date:%d %B %Y}"
        body = (
            f"The return of {ret.member_state} in the {ret.round} {when}.\n"
            f"It is {ret.get_status_display()}: {ret.confirmed_count} record(s) confirmed, "
            f"{ret.corrected_count} corrected, {outstanding} outstanding.\n\n"
            f"Open the return: {self.link(ret)}\n"
        )
        return EmailMessage(settings.EMAIL_SUBJECT_PREFIX + subject, body, to=recipients)

    def secretariat_summary(self):
        waiting = list(
            Return.objects.waiting_on_review()
            .select_related("round", "member_state", "submitted_by")
            .order_by("submitted_at")
        )
        if not waiting:
            return
        recipients = [address for _name, address in settings.REGISTRY_SECRETARIAT_EMAIL]
        if not recipients:
            recipients = list(
                get_user_model()
                .objects.filter(groups__name=SECRETARIAT_GROUP, is_active=True)
                .exclude(email="")
                .values_list("email", flat=True)
                .distinct()
            )
        if not recipients:
            self.stderr.write("Returns wait on review, but no secretariat address is known.")
            return
        lines = [
            f"- {ret.member_state}, {ret.round}: submitted by {ret.submitted_by} on "
            f"{timezone.localtime(ret.submitted_at):%d %B %Y}. {self.link(ret)}"
            for ret in waiting
        ]
        body = f"{len(waiting)} return(s) wait on review:\n\n" + "\n".join(lines) + "\n"
        subject = f"{len(waiting)} confirmation return(s) wait on review"
        yield EmailMessage(settings.EMAIL_SUBJECT_PREFIX + subject, body, to=recipients)

    @staticmethod
    def link(ret):
        return settings.REGISTRY_SITE_URL + ret.get_absolute_url()
