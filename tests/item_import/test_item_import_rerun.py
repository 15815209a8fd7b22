"""Exactly once: a finished import published again, a restarted job, an engine run twice or killed
mid-way, and two deliveries racing all leave one item per row and one prompt audio job per item."""

from __future__ import annotations

import pytest
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from jobs.items.importer import ImportOptions, run_item_import
from store import files, item_imports, items, jobs
from tasks.publish import publish, submit
from workers.roster.limits import RosterLimits

from .conftest import AUDIO_TYPES, EVERY_TYPE, every_type_rows, items_csv, items_of_import

OPTIONS = ImportOptions(limits=RosterLimits(max_rows=1000), chunk_rows=3)
HEARD = sum(1 for row, content in EVERY_TYPE if row["Type"] in AUDIO_TYPES or content.get("audio_text"))


def _new_import(db, org, data: bytes, *, campus_id: str | None = None, dry_run: bool = False) -> str:
    import_id = ObjectId()
    key = item_imports.file_key(str(import_id), "items.csv")
    files.put_bytes(key, data)
    item_imports.create(
        db,
        item_imports.NewImport(
            import_id=import_id,
            job_id=ObjectId(),
            campus_id=campus_id,
            owner_id=org.ids["superadmin"],
            file_key=key,
            filename="items.csv",
            size=len(data),
            dry_run=dry_run,
        ),
    )
    return str(import_id)


class Recorder:
    def __init__(self, fail_after: int | None = None):
        self.progress: list[tuple[int, int]] = []
        self.audio: list[str] = []
        self.fail_after = fail_after

    def on_progress(self, done: int, total: int) -> None:
        self.progress.append((done, total))
        if self.fail_after is not None and len(self.progress) > self.fail_after:
            raise ConnectionError("the worker died here")

    def on_audio(self, requests) -> None:
        self.audio.extend(request.item_id for request in requests)


def _run(db, import_id: str, recorder: Recorder) -> dict:
    return run_item_import(db, import_id, OPTIONS, recorder.on_progress, recorder.on_audio)


def test_running_the_engine_twice_creates_nothing_twice(db, org):
    import_id = _new_import(db, org, items_csv(every_type_rows()))
    first, again = Recorder(), Recorder()
    result = _run(db, import_id, first)
    count = len(EVERY_TYPE)
    assert (result["rows"], result["created"], result["failed"]) == (count, count, 0)
    # Progress after each chunk of three rows.
    assert first.progress == [(0, count), *[(n, count) for n in range(3, count, 3)], (count, count)]
    assert len(first.audio) == HEARD

    assert _run(db, import_id, again) == result
    created = items_of_import(db, import_id)
    assert len(created) == count
    assert again.progress == [(count, count)]
    # The second run asks again for the audio still pending (no worker rendered it): the same items.
    assert sorted(again.audio) == sorted(first.audio)


def test_a_run_killed_mid_way_is_completed_by_the_next_without_duplicates(db, org):
    import_id = _new_import(db, org, items_csv(every_type_rows()), campus_id=org.ids["campus"])
    killed = Recorder(fail_after=2)  # the start, the first chunk, then dies after the second chunk
    with pytest.raises(ConnectionError):
        _run(db, import_id, killed)
    assert len(items_of_import(db, import_id)) == 6
    restarted = Recorder()
    result = _run(db, import_id, restarted)
    assert result["created"] == len(EVERY_TYPE)
    created = items_of_import(db, import_id)
    assert [item["import_row"] for item in created] == list(range(2, len(EVERY_TYPE) + 2))
    assert {item["campus_id"] for item in created} == {org.ids["campus"]}
    assert restarted.progress[0] == (6, len(EVERY_TYPE))
    # Every item still waiting for audio is asked for, the earlier delivery's included, each once per run.
    pending = [str(i["_id"]) for i in created if i["prompt_audio"]["state"] == "pending"]
    assert sorted(restarted.audio) == sorted(pending)
    assert len(pending) == HEARD


def test_a_delivery_racing_another_counts_the_rows_the_other_wrote(db, org, monkeypatch):
    import_id = _new_import(db, org, items_csv(every_type_rows()))
    first = _run(db, import_id, Recorder())
    # The second delivery read the markers before the first wrote anything: the unique index refuses each row.
    monkeypatch.setattr(items, "created_by_import", lambda _db, _import_id: {})
    assert _run(db, import_id, Recorder()) == first
    assert len(items_of_import(db, import_id)) == len(EVERY_TYPE)


def test_the_store_refuses_a_second_item_for_an_import_row(db):
    fields = {
        "type": "typing",
        "level": "beginner",
        "module": None,
        "time_limit_seconds": None,
        "campus_id": None,
        "content": {"passage": "Once."},
        "created_by_import": str(ObjectId()),
        "import_row": 2,
    }
    items.create(db, fields, created_by="someone", audio=dict(items.NO_AUDIO))
    with pytest.raises(DuplicateKeyError):
        items.create(db, fields, created_by="someone", audio=dict(items.NO_AUDIO))
    # Items no import created are not in that index.
    plain = {key: value for key, value in fields.items() if key not in ("created_by_import", "import_row")}
    items.create(db, plain, created_by="someone", audio=dict(items.NO_AUDIO))
    items.create(db, plain, created_by="someone", audio=dict(items.NO_AUDIO))


def test_a_dry_run_engine_run_writes_no_item(db, org):
    import_id = _new_import(db, org, items_csv(every_type_rows()), dry_run=True)
    recorder = Recorder()
    result = _run(db, import_id, recorder)
    assert (result["created"], result["dry_run"]) == (len(EVERY_TYPE), True)
    assert items_of_import(db, import_id) == []
    assert recorder.audio == []


# --- through the real worker -------------------------------------------------------------------


def test_a_finished_import_published_again_is_a_no_op(db, org, worker, run_import):
    job = run_import(org.headers["campus_admin"], items_csv(every_type_rows()))
    assert job["state"] == "succeeded", job
    import_id = job["result"]["import_id"]
    stored = jobs.get(db, job["id"])
    assert publish(db, stored)  # as a redelivery of its message would
    # One worker process takes the imports queue in order: once a later import finished, that message was handled.
    later = run_import(org.headers["campus_admin"], items_csv(every_type_rows()[:1]))
    assert later["state"] == "succeeded", later
    assert db.jobs.find_one({"_id": ObjectId(job["id"])})["publishes"] == stored["publishes"] + 1
    after = jobs.get(db, job["id"])
    assert (after["state"], after["deliveries"], after["rev"], after["result"]) == (
        "succeeded",
        stored["deliveries"],
        stored["rev"],
        stored["result"],
    )
    assert len(items_of_import(db, import_id)) == len(EVERY_TYPE)


def test_the_same_import_run_by_a_second_job_creates_nothing_twice(db, org, worker, run_import, wait_for_job):
    job = run_import(org.headers["campus_admin"], items_csv(every_type_rows()))
    import_id = job["result"]["import_id"]
    item_ids = [str(item["_id"]) for item in items_of_import(db, import_id)]
    audio_jobs = db.jobs.count_documents({"kind": "prompt_audio", "params.item_id": {"$in": item_ids}})
    assert audio_jobs == HEARD
    again = submit(
        db,
        jobs.NewJob(
            kind="item_import",
            owner_id=org.ids["campus_admin"],
            params={"import_id": import_id},
            scope={"campus_id": org.ids["campus"]},
        ),
    )
    done = wait_for_job(again["_id"], timeout=120)
    assert done["state"] == "succeeded", done
    assert done["result"] == job["result"]
    assert [str(item["_id"]) for item in items_of_import(db, import_id)] == item_ids
    assert db.jobs.count_documents({"kind": "prompt_audio", "params.item_id": {"$in": item_ids}}) == audio_jobs
