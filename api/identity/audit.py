"""The audit trail of admin writes, for superadmins."""

from __future__ import annotations

from flask_smorest import Blueprint

from api.access import only
from schemas.identity import AuditListArgsSchema, AuditListSchema
from store import audit
from store.mongo import get_db

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit trail")


@blp.route("", methods=["GET"])
@only("superadmin")
@blp.arguments(AuditListArgsSchema, location="query")
@blp.response(200, AuditListSchema)
def list_audit(args: dict) -> dict:
    query: dict = {f: args[f] for f in ("actor_id", "action", "target_type", "target_id") if f in args}
    window = {op: args[key] for op, key in (("$gte", "since"), ("$lt", "until")) if key in args}
    if window:
        query["at"] = window
    return audit.find_page(get_db(), query, args["page"], args["per_page"]).as_dict()
