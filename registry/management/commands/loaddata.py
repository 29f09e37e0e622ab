from django.core.management.commands import loaddata

from registry import history


class Command(loaddata.Command):
    """
    Django's loaddata, then a baseline historical record for every registry record the
    fixtures left without one (see registry.history.write_baselines). A fixture is saved raw,
    without history, and a backup brings its own: only the records it brought none for get
    a baseline, once the whole of it is loaded.
    """

    def handle(self, *fixture_labels, **options):
        super().handle(*fixture_labels, **options)
        written = history.write_baselines(using=self.using)
        if written and self.verbosity >= 1:
            total = sum(written.values())
            self.stdout.write(f"Recorded the baseline history of {total} record(s).")
