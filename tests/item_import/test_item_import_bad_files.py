"""Bad item files through the job path: the job fails with the file's code and a readable message,
nothing is written, and the worker carries on with the next import."""

from __future__ import annotations

import pytest

from tests.roster.builders import cfb_container, junk_bytes, pdf_bytes, rewrite_zip, xlsx_bytes, zip_with

from .conftest import MAX_ROWS, every_type_rows, items_csv, items_xlsx

SHEET = "xl/worksheets/sheet1.xml"


def _zip_bomb() -> bytes:
    # One member that inflates past the uncompressed limit from a tiny compressed size.
    return rewrite_zip(items_xlsx(every_type_rows()), add={"xl/bomb.xml": b"\0" * (101 * 1024 * 1024)})


def _entity_bomb() -> bytes:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )

    def with_entities(xml: bytes) -> bytes:
        return laughs + (xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml)

    return rewrite_zip(items_xlsx(every_type_rows()), replace={SHEET: with_entities})


def _too_many_rows() -> bytes:
    row = {"Type": "typing", "Level": "beginner", "Passage": "Type this."}
    return items_csv([row] * (MAX_ROWS + 1))


FILE_ERRORS = [
    ("zip_bomb", _zip_bomb, "items.xlsx", "zip_bomb"),
    ("xml_entity_bomb", _entity_bomb, "items.xlsx", "unsafe_workbook"),
    ("pdf_named_csv", pdf_bytes, "items.csv", "unsupported_file_type"),
    ("binary_junk", junk_bytes, "items.xlsx", "unsupported_file_type"),
    ("zip_not_a_workbook", lambda: zip_with({"readme.txt": b"hello"}), "items.xlsx", "unsupported_file_type"),
    ("blank_text", lambda: b" \r\n\t\r\n", "items.csv", "empty_file"),
    ("empty_workbook", lambda: xlsx_bytes([]), "items.xlsx", "empty_file"),
    (
        "encrypted_workbook",
        lambda: cfb_container(["EncryptionInfo", "EncryptedPackage"]),
        "a.xlsx",
        "encrypted_workbook",
    ),
    (
        "macro_workbook",
        lambda: rewrite_zip(items_xlsx([]), add={"xl/vbaProject.bin": b"m"}),
        "a.xlsm",
        "macro_workbook",
    ),
    ("header_only", lambda: items_csv([]), "items.csv", "header_only"),
    ("no_header", lambda: b"a,b\nc,d\n", "items.csv", "no_header"),
    ("no_level_column", lambda: b"type,text\nread_aloud,Hello.\n", "items.csv", "missing_columns"),
    ("two_type_columns", lambda: b"type,Type,level\nrepeat,repeat,beginner\n", "items.csv", "duplicate_columns"),
    (
        "undecodable",
        lambda: b"type,level,text\nrepeat,beginner,\x81\x8d\x8f\x90\x9d\n",
        "items.csv",
        "undecodable_text",
    ),
    ("unterminated_quote", lambda: b'type,level,text\nrepeat,beginner,"' + b"x" * 140_000, "i.csv", "malformed_csv"),
    ("too_many_rows", _too_many_rows, "items.csv", "too_many_rows"),
]


@pytest.mark.parametrize(
    ("data_of", "filename", "code"), [case[1:] for case in FILE_ERRORS], ids=[case[0] for case in FILE_ERRORS]
)
def test_a_bad_file_fails_the_job_with_its_code_and_writes_nothing(
    db, org, worker, run_import, data_of, filename, code
):
    before = db.items.count_documents({})
    job = run_import(org.headers["superadmin"], data_of(), filename)
    assert job["state"] == "failed", job
    assert job["error"]["code"] == code, job["error"]
    assert job["error"]["message"]
    assert "roster" not in job["error"]["message"]
    assert db.items.count_documents({}) == before
    assert worker.proc.poll() is None


def test_missing_columns_and_a_missing_sheet_say_which(db, org, worker, run_import):
    job = run_import(org.headers["superadmin"], b"Title row\n\ntype,text\nread_aloud,Hello.\n")
    assert job["error"]["code"] == "missing_columns"
    assert job["error"]["details"]["missing"] == ["level"]
    assert job["error"]["details"]["row"] == 3
    (failed,) = db.audit.find({"action": "item_import.failed", "job_id": job["id"]})
    assert failed["details"]["code"] == "missing_columns"
    assert failed["details"]["owner_id"] == str(org.users["superadmin"]["_id"])
    job = run_import(org.headers["superadmin"], items_xlsx(every_type_rows()), "items.xlsx", sheet="Nope")
    assert job["error"]["code"] == "sheet_not_found"
    assert job["error"]["details"]["sheets"] == ["Sheet1"]


def test_the_worker_imports_the_next_file_after_a_bad_one(db, org, worker, run_import):
    assert run_import(org.headers["superadmin"], pdf_bytes(), "items.csv")["state"] == "failed"
    job = run_import(org.headers["superadmin"], items_csv(every_type_rows()))
    assert job["state"] == "succeeded", job
    assert job["result"]["created"] == len(every_type_rows())
