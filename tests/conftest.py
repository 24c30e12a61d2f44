# Nameko's pytest plugin no longer greens the process: do it before anything
# imports socket, ssl or psycopg2.
import warnings

warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

from psycogreen.eventlet import patch_psycopg  # noqa: E402

patch_psycopg()

pytest_plugins = ["tests.fixtures.servers", "tests.fixtures.services", "tests.fixtures.platform"]
