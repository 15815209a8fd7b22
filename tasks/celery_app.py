"""The Celery application. Workers start it with `celery -A tasks.celery_app worker -Q <queue>`."""

from __future__ import annotations

from celery import Celery
from celery.signals import after_setup_logger, worker_process_init

from config import get_settings
from domain.jobkinds import JOB_KINDS, PLAIN_TASKS
from observability.logs import setup_logging

celery_app = Celery("aiversant")
celery_app.config_from_object("celeryconfig")
# Every module that defines a named task, so every worker knows every task. Only workers
# import them; publishers (the API) send by name.
celery_app.conf.include = sorted(
    {name.rsplit(".", 1)[0] for name in [*PLAIN_TASKS, *(kind.task for kind in JOB_KINDS.values())]}
)


@after_setup_logger.connect
def _json_logs(**_: object) -> None:
    setup_logging(get_settings().log_level)


@worker_process_init.connect
def _fresh_clients(**_: object) -> None:
    # PyMongo and boto3 clients are created per pid (store/mongo.py, store/files.py), so a
    # forked pool child builds its own on first use; nothing to reset here beyond logging.
    setup_logging(get_settings().log_level)
