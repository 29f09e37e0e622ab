"""What goes wrong with a spreadsheet: the errors the package raises, with messages for people."""


class SpreadsheetError(Exception):
    """
    A file that cannot be read as a registry spreadsheet; the message is for the person who
    sent it. The management commands turn it into a CommandError with the same message, so
    that they print it and exit 1 instead of showing a traceback.
    """


class ImportRefused(Exception):
    """Stands for all of an import's problems among django-import-export's base errors."""

    def __init__(self, result):
        self.result = result
        super().__init__(result.report())

    def __repr__(self):
        # django-import-export's `import` command prints repr(error): make it the report.
        return str(self)
