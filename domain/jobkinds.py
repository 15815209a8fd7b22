"""Queues, job kinds and the Celery tasks behind them: the one place that names them.

The API records a job of a kind and publishes its task by name (tasks/publish.py), so
the web process never imports a task module or the engine behind it; workers declare
each task with `tasks.runtime.job_task(kind)`, which takes the name and queue from here.
"""

from __future__ import annotations

from dataclasses import dataclass

JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
TERMINAL_STATES = ("succeeded", "failed", "cancelled")
DEFAULT, IMPORTS, SCORING, NOTIFICATIONS = "default", "imports", "scoring", "notifications"
QUEUES = (DEFAULT, IMPORTS, SCORING, NOTIFICATIONS)


@dataclass(frozen=True)
class JobKind:
    name: str
    queue: str
    task: str  # the Celery task name that runs jobs of this kind
    # The permission module that lets an admin other than the owner see (read) or cancel (write)
    # a job of this kind within their scope; None: only its owner (and superadmins).
    module: str | None = None
    # False for jobs an attempt's result depends on: their owner (a student) may not cancel them;
    # an admin who may act on the module still can, and the answer then counts as unscored.
    owner_may_cancel: bool = True


JOB_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Declare a job kind (the project's are declared below; tests add their own)."""
    if kind.queue not in QUEUES:
        msg = f"job kind {kind.name!r}: unknown queue {kind.queue!r}"
        raise ValueError(msg)
    JOB_KINDS[kind.name] = kind
    return kind


def job_kind(name: str) -> JobKind:
    try:
        return JOB_KINDS[name]
    except KeyError:
        msg = f"unknown job kind {name!r}"
        raise LookupError(msg) from None


for _kind in (
    JobKind("upload", DEFAULT, "tasks.uploads.process_upload"),
    JobKind("roster_import", IMPORTS, "tasks.roster_imports.import_roster", "students"),
    JobKind("item_import", IMPORTS, "tasks.item_imports.import_items", "items"),
    JobKind("spoken_score", SCORING, "tasks.scoring.score_spoken", "items"),
    JobKind("written_score", SCORING, "tasks.scoring.score_written", "items"),
    JobKind("rescore", SCORING, "tasks.scoring.rescore_answers", "results"),
    JobKind("test_reminders", NOTIFICATIONS, "tasks.notifications.send_test_reminders", "notifications"),
    JobKind("prompt_audio", DEFAULT, "tasks.items.render_prompt_audio", "items"),
    JobKind("test_assigned", NOTIFICATIONS, "tasks.assessment.send_test_assigned", "tests"),
    JobKind("results_release", NOTIFICATIONS, "tasks.assessment.release_results", "tests"),
    JobKind("answer_scoring", SCORING, "tasks.assessment.score_answer", "results", owner_may_cancel=False),
    JobKind("attempt_settle", DEFAULT, "tasks.assessment.settle_attempt", "results", owner_may_cancel=False),
    JobKind("test_report", DEFAULT, "tasks.assessment.write_report", "results"),
    JobKind("audit_export", DEFAULT, "tasks.audit.export_audit"),
):
    register(_kind)

# Celery tasks that are not jobs (beat runs them, or they are nudges), with their queues.
SWEEP_TASK = "tasks.jobs.sweep"
DISPATCH_TASK = "tasks.notifications.dispatch"
DISPATCH_DUE_TASK = "tasks.notifications.dispatch_due"
EXPAND_TASK = "tasks.notifications.expand"
DAILY_REMINDERS_TASK = "tasks.notifications.daily_reminders"
PASSWORD_RESET_TASK = "tasks.notifications.password_reset"  # noqa: S105 - a task name, not a password
FINISH_EXPIRED_TASK = "tasks.assessment.finish_expired_attempts"
SCHEDULED_RELEASES_TASK = "tasks.assessment.release_scheduled_results"
PLAIN_TASKS: dict[str, str] = {
    SWEEP_TASK: DEFAULT,
    DISPATCH_TASK: NOTIFICATIONS,
    DISPATCH_DUE_TASK: NOTIFICATIONS,
    EXPAND_TASK: NOTIFICATIONS,
    DAILY_REMINDERS_TASK: NOTIFICATIONS,
    PASSWORD_RESET_TASK: NOTIFICATIONS,
    FINISH_EXPIRED_TASK: DEFAULT,
    SCHEDULED_RELEASES_TASK: DEFAULT,
}


def task_routes() -> dict[str, dict[str, str]]:
    """Celery's task_routes: every task to its queue."""
    routes = {kind.task: {"queue": kind.queue} for kind in JOB_KINDS.values()}
    routes.update({name: {"queue": queue} for name, queue in PLAIN_TASKS.items()})
    return routes
