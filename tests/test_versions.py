"""Every engine loads its versioned parameters one way (workers/versions.py): an unknown version
name or an incomplete file is refused with the engine's own error and the shared codes."""

from __future__ import annotations

import json

import pytest

from workers.errors import INVALID_SCORING_CONFIG, UNKNOWN_SCORING_VERSION, WorkError
from workers.versions import VersionFiles

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("load", "error"),
    [
        ("workers.scoring.mapping", "ScoringError"),
        ("workers.writing.config", "WritingScoringError"),
        ("workers.attempt_scoring.config", "AttemptScoringError"),
    ],
)
@pytest.mark.parametrize("name", ["speech-v999", "../versions/speech-v1", "writing-v0", "assessment"])
def test_an_unknown_version_is_refused_by_every_engine(load, error, name):
    import importlib

    module = importlib.import_module(load)
    with pytest.raises(WorkError) as refused:
        module.load_config(name)
    assert type(refused.value).__name__ == error
    assert refused.value.code == UNKNOWN_SCORING_VERSION


def test_a_file_without_a_required_section_or_naming_another_version_is_refused(tmp_path):
    (tmp_path / "demo-v1.json").write_text(json.dumps({"version": "demo-v1", "scale": {}}))
    (tmp_path / "demo-v2.json").write_text(json.dumps({"version": "demo-v1", "scale": {}, "other": {}}))
    files = VersionFiles(tmp_path, "demo", ("scale", "other"), WorkError)
    assert files.available() == ["demo-v1", "demo-v2"]
    for version, missing in (("demo-v1", ["other"]), ("demo-v2", [])):
        with pytest.raises(WorkError) as refused:
            files.load(version)
        assert refused.value.code == INVALID_SCORING_CONFIG
        assert refused.value.details["missing_sections"] == missing


def test_every_shipped_version_loads():
    from workers.attempt_scoring.config import available_versions as assessment_versions
    from workers.attempt_scoring.config import load_config as assessment
    from workers.scoring.mapping import available_versions as speech_versions
    from workers.scoring.mapping import load_config as speech
    from workers.writing.config import available_versions as writing_versions
    from workers.writing.config import load_config as writing

    for versions, load in ((speech_versions, speech), (writing_versions, writing), (assessment_versions, assessment)):
        assert versions()
        for version in versions():
            assert load(version)
