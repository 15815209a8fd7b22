"""What the ops overview shows: queue lengths, jobs waiting and running, recent failures, the outbox."""

from __future__ import annotations

from marshmallow import Schema, fields

from schemas.common import ObjectIdStr, UtcDateTime
from schemas.jobs import JobErrorSchema


class FailedJobSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    kind = fields.String()
    error = fields.Nested(JobErrorSchema, allow_none=True)
    attempts = fields.Integer(attribute="deliveries")
    finished_at = UtcDateTime(allow_none=True)


class OpsOverviewSchema(Schema):
    queues = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "Messages waiting, per queue"}
    )
    jobs = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "Jobs queued and running"}
    )
    failed_jobs = fields.List(fields.Nested(FailedJobSchema), metadata={"description": "The latest failures"})
    outbox = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Messages queued, being sent and failed"},
    )
    flower_url = fields.String(metadata={"description": "Where to see the workers and their tasks"})
