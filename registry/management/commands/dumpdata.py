import bz2
import contextlib
import gzip
import io
import lzma
import os
import warnings

from django.core.management.base import OutputWrapper
from django.core.management.commands import dumpdata

from registry.management.atomic_files import replaced_when_complete

# Suffixes Django's dumpdata compresses its output for.
COMPRESSED = (".gz", ".bz2", ".xz", ".lzma")
# Suffixes Django takes for compression it cannot write: it writes the file without them.
UNSUPPORTED = (".zip",)


def output_path(output):
    """Where Django's dumpdata writes `output`, and the suffix it compresses for (or None)."""
    root, suffix = os.path.splitext(output)
    if suffix in UNSUPPORTED:
        warnings.warn(
            f"Unsupported file extension ({suffix}). "
            f"Fixtures saved in '{os.path.basename(root)}'.",
            RuntimeWarning,
            stacklevel=3,
        )
        return root, None
    return output, suffix if suffix in COMPRESSED else None


@contextlib.contextmanager
def compressing(file, suffix, name):
    """`file` (binary), compressed as Django's dumpdata compresses for `suffix`."""
    if suffix == ".gz":
        with gzip.GzipFile(filename=name, mode="wb", fileobj=file) as compressed:
            yield compressed
    elif suffix == ".bz2":
        with bz2.BZ2File(file, mode="wb") as compressed:
            yield compressed
    elif suffix in (".xz", ".lzma"):
        legacy = {"format": lzma.FORMAT_ALONE} if suffix == ".lzma" else {}
        with lzma.LZMAFile(file, mode="wb", **legacy) as compressed:
            yield compressed
    else:
        yield file


@contextlib.contextmanager
def text_replaced_when_complete(output):
    """A text stream onto `output`, compressed as its suffix says, replacing it when complete."""
    path, suffix = output_path(output)
    with (
        replaced_when_complete(path) as file,
        compressing(file, suffix, os.path.basename(path)) as compressed,
    ):
        text = io.TextIOWrapper(compressed, encoding="utf-8")
        yield text
        text.flush()
        text.detach()  # leaves the compressor (which leaves the file) open: it ends above


class Command(dumpdata.Command):
    """
    Django's dumpdata, but with -o/--output the dump is written to a temporary file beside
    the target and renamed over it only when complete: an error midway leaves the old file
    as it was. Compressed outputs (.gz, .bz2, .xz, .lzma) are written as Django writes them.
    """

    def handle(self, *app_labels, **options):
        output = options.get("output")
        if not output:
            return super().handle(*app_labels, **options)
        stdout = self.stdout
        try:
            with text_replaced_when_complete(output) as stream:
                # Without an output, Django's dumpdata serializes to self.stdout.
                self.stdout = OutputWrapper(stream)
                super().handle(*app_labels, **{**options, "output": None})
        finally:
            self.stdout = stdout
