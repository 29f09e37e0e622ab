"""Python's cyclic garbage collector, paused while a spreadsheet is read and imported."""

import contextlib
import gc


@contextlib.contextmanager
def paused():
    """
    The cyclic garbage collector off for the block (or the decorated function).

    Reading and importing a file keeps a few objects per cell for every row until the end (the
    rows, their records and results), and the collector, run every 700 allocations, walks that
    growing heap again and again: a sixth of the time of an import of 50,000 rows (bench/).
    Reference counting still frees whatever the rows drop; the rare cycle waits for the block's
    end. The switch is per process, which is what a sync worker, serving one request at a
    time, is.
    """
    if not gc.isenabled():  # nested, or switched off by someone else: theirs to switch back
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
