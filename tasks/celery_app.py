"""The Celery application. Workers start it with `celery -A tasks.celery_app worker -Q <queue>`."""
from __future__ import annotations

from celery import Celery
from celery.signals import after_setup_logger, worker_process_init

from config import get_settings
from observability.logs import setup_logging

celery_app = Celery("aiversant")
celery_app.config_from_object("celeryconfig")
# Task modules register themselves on import; list them so every worker knows every task.
celery_app.conf.include = ["tasks.jobs", "tasks.uploads", "tasks.scoring", "tasks.notifications",
                            "tasks.imports"]


@after_setup_logger.connect
def _json_logs(**_: object) -> None:
    setup_logging(get_settings().log_level)


@worker_process_init.connect
def _fresh_clients(**_: object) -> None:
    # PyMongo and boto3 clients are created per pid (store/mongo.py, store/files.py), so a
    # forked pool child builds its own on first use; nothing to reset here beyond logging.
    setup_logging(get_settings().log_level)
