"""Celery settings. Job state lives in MongoDB (store/jobs.py), so there is no result backend.

Delivery guarantees: acks_late + reject_on_worker_lost put a task back when its worker
dies; the jobs collection caps how often that may happen (JOB_MAX_DELIVERIES) so a task
that kills its process ends `failed` instead of looping. A short visibility timeout brings
a killed worker's unacked tasks back in seconds; the job lease (JOB_LEASE_SECONDS) makes
the duplicate delivery of a task that is still running a no-op.
"""

from celery.schedules import crontab
from kombu import Exchange, Queue

from config import get_settings
from domain import jobkinds
from domain.jobkinds import (
    DAILY_REMINDERS_TASK,
    DEFAULT,
    DISPATCH_DUE_TASK,
    FINISH_EXPIRED_TASK,
    QUEUES,
    SCHEDULED_RELEASES_TASK,
    SWEEP_TASK,
)

_settings = get_settings()

broker_url = _settings.redis_url
broker_connection_retry_on_startup = True
broker_transport_options = {
    "visibility_timeout": _settings.broker_visibility_timeout,
    # kombu re-checks unacked messages every interval x throttle seconds (default 10 x 10).
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
result_backend = None
task_ignore_result = True

task_queues = [Queue(name, Exchange(name), routing_key=name) for name in QUEUES]
task_default_queue = DEFAULT
task_routes = jobkinds.task_routes()

task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1  # the default queue's worker raises it on the command line
task_soft_time_limit = 300
task_time_limit = 330
worker_max_tasks_per_child = 500

worker_send_task_events = True
task_send_sent_event = True
worker_hijack_root_logger = False

beat_schedule = {
    "sweep-jobs": {"task": SWEEP_TASK, "schedule": float(_settings.job_sweep_interval_seconds)},
    # Sends what is due and recovers stranded sends: the outbox in MongoDB is the queue.
    "dispatch-notifications": {
        "task": DISPATCH_DUE_TASK,
        "schedule": float(_settings.notify_dispatch_interval_seconds),
    },
    "daily-test-reminders": {
        "task": DAILY_REMINDERS_TASK,
        "schedule": crontab(hour=_settings.notify_reminder_hour_utc, minute=0),
    },
    # Deadlines live on the server: attempts past theirs are finished, scheduled results released.
    "finish-expired-attempts": {
        "task": FINISH_EXPIRED_TASK,
        "schedule": float(_settings.attempt_sweep_interval_seconds),
    },
    "release-scheduled-results": {
        "task": SCHEDULED_RELEASES_TASK,
        "schedule": float(_settings.attempt_sweep_interval_seconds),
    },
}
timezone = "UTC"
