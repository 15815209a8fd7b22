"""The job mechanism against real failures: killed workers, a wiped broker, crashing tasks."""

import time
from datetime import timedelta

from store import jobs
from store.common import utcnow
from tasks.publish import submit
from tests.support import job_tasks  # noqa: F401 - registers the test job kinds

BEAT = ["-B", "--schedule"]


def _submit(db, kind, owner="tester", **params):
    return submit(db, jobs.NewJob(kind=kind, owner_id=owner, params=params))


def _wait_progress(db, job_id, done, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = jobs.get(db, job_id)
        if job["state"] == "running" and job["progress"]["done"] >= done:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job never reached progress {done}: {jobs.get(db, job_id)}")


def test_kill_9_of_the_worker_mid_job_then_restart_completes_once(db, start_worker, wait_for_job, tmp_path):
    worker = start_worker()
    job = _submit(db, "test_steps", steps=16, step_seconds=0.25)
    _wait_progress(db, job["_id"], 2)
    worker.kill()

    start_worker([*BEAT, str(tmp_path / "beat-schedule")])
    done = wait_for_job(job["_id"], timeout=90)
    assert done["state"] == "succeeded", done
    assert done["deliveries"] == 2
    assert done["result"] == {"steps": 16}
    assert db.test_executions.count_documents({"job_id": job["_id"]}) == 2
    assert db.test_effects.count_documents({"_id": job["_id"]}) == 1


def test_redis_restarted_empty_the_sweeper_republishes(db, stack, start_worker, wait_for_job, tmp_path):
    from devstack import servers

    job = _submit(db, "test_steps", steps=1, step_seconds=0.01)
    assert jobs.get(db, job["_id"])["published_at"] is not None
    redis = stack["redis"]
    redis.stop()
    stack["redis"] = servers.start_redis(redis.extra["dir"], redis.port, persistent=False)

    start_worker([*BEAT, str(tmp_path / "beat-schedule")])
    done = wait_for_job(job["_id"], timeout=60)
    assert done["state"] == "succeeded", done
    assert done["publishes"] >= 2


def test_the_sweeper_leaves_a_job_in_line_behind_its_queues_backlog_and_republishes_a_lost_one(db, stack):
    """No worker: the job's message waits in its queue. Stale as it looks, it is not published a
    second time while messages wait there (a duplicate); once the queue is emptied (the message
    lost), it is."""
    import redis as redis_lib

    from tasks.jobs import sweep

    queue = redis_lib.Redis.from_url(stack["redis"].url)
    job = _submit(db, "test_steps", steps=1, step_seconds=0.01)
    waiting = queue.llen("default")
    assert waiting >= 1
    db.jobs.update_one({"_id": job["_id"]}, {"$set": {"published_at": utcnow() - timedelta(seconds=10)}})

    sweep()
    assert (jobs.get(db, job["_id"])["publishes"], queue.llen("default")) == (1, waiting)

    queue.delete("default")
    sweep()
    assert jobs.get(db, job["_id"])["publishes"] == 2
    assert queue.llen("default") == 1


def test_a_publish_refused_at_submit_leaves_the_job_to_the_sweeper(
    db, monkeypatch, start_worker, wait_for_job, tmp_path
):
    from tasks import publish

    def refused(*_args, **_kwargs):
        raise ConnectionError("broker down")

    with monkeypatch.context() as broker_down:
        broker_down.setattr(publish.celery_app, "send_task", refused)
        job = _submit(db, "test_steps", steps=1, step_seconds=0.01)
    assert (job["published_at"], job["publishes"]) == (None, 0)
    stored = jobs.get(db, job["_id"])
    assert (stored["state"], stored["published_at"], stored["publishes"]) == ("queued", None, 0)

    start_worker([*BEAT, str(tmp_path / "beat-schedule")])
    done = wait_for_job(job["_id"], timeout=60)
    assert done["state"] == "succeeded", done
    assert done["publishes"] >= 1  # by the sweeper


def test_a_submitted_job_is_recorded_published_in_its_insert(db):
    job = _submit(db, "test_steps", steps=1, step_seconds=0.01)
    stored = jobs.get(db, job["_id"])
    assert stored["publishes"] == 1
    assert stored["published_at"] == stored["created_at"]


def test_a_task_that_kills_its_process_ends_failed_after_the_cap(db, start_worker, wait_for_job):
    worker = start_worker()
    job = _submit(db, "test_crash")
    done = wait_for_job(job["_id"], timeout=90)
    assert done["state"] == "failed"
    assert done["error"]["code"] == "worker_lost"
    assert "stopped its worker 3 times" in done["error"]["message"]
    assert worker.proc.poll() is None  # the worker itself is still serving


def test_bad_input_fails_the_job_readably_and_the_worker_carries_on(db, start_worker, wait_for_job):
    worker = start_worker()
    bad = wait_for_job(_submit(db, "test_bad_input")["_id"])
    assert bad["state"] == "failed"
    assert bad["error"] == {
        "code": "bad_row",
        "message": "Row 3 has no roll number.",
        "details": {"row": 3, "column": "roll_number"},
    }
    bug = wait_for_job(_submit(db, "test_bug")["_id"])
    assert bug["state"] == "failed"
    assert bug["error"]["code"] == "internal_error"
    good = wait_for_job(_submit(db, "test_steps", steps=1, step_seconds=0.01)["_id"])
    assert good["state"] == "succeeded"
    assert worker.proc.poll() is None


def test_cancelling_a_running_job_stops_it_at_the_next_step(db, start_worker, wait_for_job):
    start_worker()
    job = _submit(db, "test_steps", steps=200, step_seconds=0.05)
    _wait_progress(db, job["_id"], 3)
    jobs.request_cancel(db, job["_id"])
    done = wait_for_job(job["_id"])
    assert done["state"] == "cancelled"
    assert done["progress"]["done"] < 200
    assert db.test_effects.count_documents({"_id": job["_id"]}) == 0


def test_a_duplicate_delivery_of_a_running_job_is_dropped(db, start_worker, wait_for_job):
    from tasks.publish import publish

    start_worker()
    start_worker()
    job = _submit(db, "test_steps", steps=12, step_seconds=0.25)
    _wait_progress(db, job["_id"], 1)
    publish(db, jobs.get(db, job["_id"]))  # as a visibility-timeout redelivery would
    done = wait_for_job(job["_id"], timeout=60)
    assert done["state"] == "succeeded"
    assert done["deliveries"] == 1
    assert db.test_executions.count_documents({"job_id": job["_id"]}) == 1


def test_an_s3_connection_error_is_retried_like_a_mongo_one(db, start_worker, wait_for_job):
    worker = start_worker()
    done = wait_for_job(_submit(db, "test_s3_hiccup")["_id"], timeout=60)
    assert done["state"] == "succeeded", done
    assert done["result"] == {"deliveries": 2}
    assert worker.proc.poll() is None
