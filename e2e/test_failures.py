"""Packages with one thing wrong, each with and without encryption: the job reports exactly
that problem on every channel and imports everything else (or, for a fatal problem,
nothing)."""

from __future__ import annotations

import os

import pytest
from azure.storage.blob import ContentSettings

import helpers as h

MODES = pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])


def _prepare(env: h.TestEnv, encrypted: bool) -> tuple[bytes | None, h.BuiltPackage]:
    key = os.urandom(32) if encrypted else None
    built = h.build_package(env.target, h.small_package(env.tag))
    h.stage(env.storage, built, key)
    return key, built


def _run(env: h.TestEnv, key: bytes | None) -> tuple[str, h.Progress]:
    job_id = h.submit(env, key)
    progress = h.follow(env, job_id)
    h.check_common_fields(progress.events, env.target, job_id)
    h.check_progress_replay(env, job_id, progress)
    assert h.decode_queue(h.queue_texts(env.storage), job_id, key) == progress.logs
    return job_id, progress


def _check_problem_logged(env: h.TestEnv, job_id: str, key: bytes | None, event: dict, category: str) -> None:
    """The problem is one line of the full log and the only line of the .err file (161)."""
    logs = h.read_logs(env.storage, job_id, key)
    assert set(logs) == {"log", "err"}, sorted(logs)
    line = (category, h.problem_text(event))
    assert h.log_lines(logs["err"]) == [line]
    full = h.log_lines(logs["log"])
    assert [entry for entry in full if entry[0] in ("Warning", "Error", "FatalError")] == [line]
    h.check_summary(full, errors=1, warnings=0)


def _check_file_error(event: dict, built: h.BuiltPackage, victim: h.FileSpec, message: str) -> None:
    file_id = built.file_ids[victim.path]
    assert event["ObjectType"] == "File", event
    assert event["Id"] == file_id, event
    assert event["Url"].endswith(victim.path), event  # the manifest's Url
    assert int(event["ErrorCode"]) < 0 and event["ErrorType"], event
    assert event["Message"] == message, event
    assert "SourceListItemIntId" not in event, event


def _check_rest_imported(env: h.TestEnv, built: h.BuiltPackage, victim: h.FileSpec, end: dict) -> None:
    spec = built.spec
    assert end["TotalErrors"] == "1" and end["TotalWarnings"] == "0", end
    assert end["FilesCreated"] == str(spec.files_created - len(victim.versions)), end
    assert end["FilesCreatedIrrespectiveOfVersions"] == str(len(spec.files) - 1), end
    assert end["BytesProcessedOnlyCurrentVersion"] == str(spec.bytes_current - len(victim.current)), end
    h.check_file_absent(env, victim)
    h.check_folders_imported(env, built)
    for f in spec.files:
        if f is not victim:
            h.check_file_imported(env, built, f)


@MODES
def test_b55_b145_b148_b149_md5_mismatch_fails_only_that_file(env, encrypted):
    key, built = _prepare(env, encrypted)
    victim = built.spec.files[2]
    file_id = built.file_ids[victim.path]
    # A wrong Content-MD5 on the blob, then a new snapshot that carries it (behaviour 136).
    blob = env.storage.content().get_blob_client(file_id)
    settings = blob.get_blob_properties().content_settings
    assert settings.content_md5, "Azurite stores an MD5 for a single-shot upload"
    blob.set_http_headers(content_settings=ContentSettings(
        content_type=settings.content_type,
        content_encoding=settings.content_encoding,
        content_language=settings.content_language,
        content_disposition=settings.content_disposition,
        cache_control=settings.cache_control,
        content_md5=bytearray(16),
    ))
    blob.create_snapshot()

    job_id, progress = _run(env, key)
    events = progress.events
    assert h.event_sequence(events) == ["JobQueued", "JobStart", "JobError", "JobEnd"], h.problems(events)
    error = progress.of("JobError")[0]
    _check_file_error(error, built, victim, f"MD5 mismatch for file {file_id}.")
    _check_problem_logged(env, job_id, key, error, "Error")
    _check_rest_imported(env, built, victim, progress.of("JobEnd")[0])


@MODES
def test_b58_b64_b90_malformed_manifest_is_fatal(env, encrypted):
    key, built = _prepare(env, encrypted)
    manifest = built.package.blobs()["Manifest.xml"]
    h.put_blob(env.storage.manifest(), "Manifest.xml", manifest[: len(manifest) // 2], key, snapshot=False)

    job_id, progress = _run(env, key)
    events = progress.events
    assert h.event_sequence(events) == ["JobQueued", "JobStart", "JobFatalError", "JobEnd"], h.problems(events)
    fatal = progress.of("JobFatalError")[0]
    assert (fatal["ObjectType"], fatal["Url"], fatal["Id"]) == ("", "", ""), fatal
    assert fatal["ErrorType"] == "System.Xml.XmlException", fatal
    assert int(fatal["ErrorCode"]) < 0 and fatal["Message"], fatal
    end = progress.of("JobEnd")[0]
    assert (end["TotalErrors"], end["FilesCreated"], end["FilesCreatedIrrespectiveOfVersions"]) == ("1", "0", "0"), end
    _check_problem_logged(env, job_id, key, fatal, "FatalError")
    for f in built.spec.files:
        h.check_file_absent(env, f)


@MODES
def test_b55_b133_b134_content_blob_without_snapshot_is_skipped(env, encrypted):
    key, built = _prepare(env, encrypted)
    victim = built.spec.files[1]
    file_id = built.file_ids[victim.path]
    content = env.storage.content()
    content.delete_blob(file_id, delete_snapshots="include")
    h.put_blob(content, file_id, victim.current, key, snapshot=False)

    job_id, progress = _run(env, key)
    events = progress.events
    assert h.event_sequence(events) == ["JobQueued", "JobStart", "JobError", "JobEnd"], h.problems(events)
    error = progress.of("JobError")[0]
    _check_file_error(error, built, victim, f"The blob '{file_id}' does not have a snapshot.")
    _check_problem_logged(env, job_id, key, error, "Error")
    _check_rest_imported(env, built, victim, progress.of("JobEnd")[0])


@MODES
def test_b136_b137_latest_snapshot_wins_over_base_blob(env, encrypted):
    """Re-staged content gets a newer snapshot; the base blob then changes again without
    one. The import takes the latest snapshot, not the first one nor the base blob."""
    key, built = _prepare(env, encrypted)
    victim = built.spec.files[0]
    file_id = built.file_ids[victim.path]
    content = env.storage.content()
    restaged = b"re-staged bytes, snapshotted\n" * 3
    h.put_blob(content, file_id, restaged, key, snapshot=True)
    h.put_blob(content, file_id, b"changed after the snapshot\n", key, snapshot=False)

    job_id, progress = _run(env, key)
    events = progress.events
    assert h.event_sequence(events) == ["JobQueued", "JobStart", "JobEnd"], h.problems(events)
    victim.versions = [(victim.current_label, restaged)]
    for f in built.spec.files:
        h.check_file_imported(env, built, f)
