"""The embedded default: one process, SQLite, in-memory channel layer, in-process worker.

This is what ``python3 run.py demo`` runs. It is for trying Kefu and for small
installations on a private network; it speaks plain HTTP.
"""

from kefu.config.env import env
from kefu.config.settings.base import *  # noqa: F403
from kefu.config.settings.base import DATA_DIR, SECRET_KEY

if not SECRET_KEY:
    # A per-installation key kept next to the database, so sessions survive restarts
    # without anyone having to invent one for a demo.
    from kefu.config.secret_file import load_or_create_secret

    SECRET_KEY = load_or_create_secret(DATA_DIR / "secret_key")

KEFU_DEMO = env.bool("KEFU_DEMO", True)
