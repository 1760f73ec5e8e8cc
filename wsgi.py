"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

import gc

from app import create_app

app = create_app()
# What startup built (the app, its mappers and compiled statements, the translations) lives as
# long as the process. Frozen, it is no longer walked by every full garbage collection, which
# otherwise stalls a request now and then: the inbox listing's p95 fell from about 35 to 20 ms.
gc.freeze()
