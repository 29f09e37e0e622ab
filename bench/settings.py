"""
The product's settings, as production runs them, plus what only the benchmark needs: a URLconf
with a trivial view (the framework floor) and a static root of its own.
"""

from ascn.settings import *  # noqa: F403
from ascn.settings import ALLOWED_HOSTS, BASE_DIR

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = BASE_DIR / "bench" / "out" / "staticfiles"
# The scale section drives pages through Django's test client, whose host is "testserver".
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
