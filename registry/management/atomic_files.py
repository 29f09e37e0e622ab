"""Files the commands write, replaced only when complete: an error never leaves half a file."""

import contextlib
import os
import tempfile
from pathlib import Path


def default_mode():
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def replaced_when_complete(path, mode="wb", encoding=None):
    """
    A temporary file beside `path`, opened with `mode`, renamed over `path` when the block ends
    without an error (so a reader sees the old file or the new one, never a part) and removed
    when it raises (so the old file is untouched). It keeps the old file's permissions.
    """
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, mode, encoding=encoding) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        try:
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(temporary, default_mode())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
