"""The Celery application. Workers start it with `celery -A tasks.celery_app worker -Q <queue>`."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import (
    after_setup_logger,
    beat_init,
    before_task_publish,
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
)

from config import get_settings
from domain.jobkinds import JOB_KINDS, PLAIN_TASKS
from observability.errors import init_error_tracking
from observability.logs import job_id_var, request_id_var, setup_logging
from observability.multiproc import require_multiprocess_dir

if get_settings().metrics_port:
    require_multiprocess_dir()
init_error_tracking(
    get_settings().sentry_dsn,
    environment=get_settings().app_env,
    release=get_settings().sentry_release,
    component="celery",
)

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


@worker_ready.connect
def _serve_worker_metrics(**_: object) -> None:
    if get_settings().metrics_port:
        from observability.metrics import serve  # noqa: PLC0415 - after PROMETHEUS_MULTIPROC_DIR is set

        serve(get_settings().metrics_port)


@worker_process_shutdown.connect
def _forget_child(**_: object) -> None:
    from observability.metrics import process_dead  # noqa: PLC0415 - after PROMETHEUS_MULTIPROC_DIR is set

    process_dead(os.getpid())


@beat_init.connect
def _serve_beat_metrics(**_: object) -> None:
    if get_settings().metrics_port:
        from observability.metrics import serve  # noqa: PLC0415 - after PROMETHEUS_MULTIPROC_DIR is set
        from tasks.metrics import Backlog  # noqa: PLC0415 - beat only: it reads Redis and MongoDB

        serve(get_settings().metrics_port, extra=Backlog())


# The request or job a task was published from travels with it, in its message headers: the
# task's logs, its Sentry events and the Brevo calls it makes carry the same ids.
CONTEXT_HEADERS = {"x_request_id": request_id_var, "x_job_id": job_id_var}
_entered: dict[str, list] = {}


@before_task_publish.connect
def _carry_context(headers: dict | None = None, **_: object) -> None:
    if headers is None:
        return
    for name, var in CONTEXT_HEADERS.items():
        if (value := var.get()) and name not in headers:
            headers[name] = value


@task_prerun.connect
def _enter_context(task_id: str = "", task: object = None, **_: object) -> None:
    request = getattr(task, "request", None)
    tokens = []
    for name, var in CONTEXT_HEADERS.items():
        value = getattr(request, name, None)
        if value:
            tokens.append((var, var.set(str(value))))
    _entered[task_id] = tokens


@task_postrun.connect
def _leave_context(task_id: str = "", **_: object) -> None:
    for var, token in reversed(_entered.pop(task_id, [])):
        var.reset(token)
