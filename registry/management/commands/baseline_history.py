from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, transaction

from registry import history


class Command(BaseCommand):
    """Write the missing baselines of the change history (registry.history.write_baselines)."""

    help = (
        "Give every registry record without a historical record a baseline one (its state "
        "now, reason 'baseline'), so that its first change shows the old value and can be "
        "reverted. Records with history are left alone; running it again writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database, **options):
        with transaction.atomic(using=database):
            written = history.write_baselines(using=database)
        for model, count in sorted(written.items()):
            self.stdout.write(f"{model}: {count} baseline(s)")
        self.stdout.write(f"Recorded {sum(written.values())} baseline(s).")
