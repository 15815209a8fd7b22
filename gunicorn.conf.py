"""gunicorn settings (the one place): `gunicorn -c gunicorn.conf.py api.wsgi:app`."""

import os

bind = f"{os.environ.get('API_HOST', '127.0.0.1')}:{os.environ.get('API_PORT', '8000')}"
# Measured on 2 cores: 2 workers x 4 threads beat (2 x cores) + 1 workers.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# The app logs each request as JSON itself; gunicorn's access log would duplicate it.
accesslog = None
errorlog = "-"
preload_app = False
