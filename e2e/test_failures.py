"""Packages with one thing wrong, most of them with and without encryption: the job reports
exactly that problem on every channel and imports everything else (or, for a fatal problem,
nothing)."""

from __future__ import annotations

import os
import re

import pytest
from azure.storage.blob import ContentSettings
from office365.migration.package.crypto import decrypt, encrypt
from office365.migration.server_job import MigrationServerJob

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
    assert h.decode_queue(h.queue_texts(env.storage, len(progress.logs)), job_id, key) == progress.logs
    return job_id, progress


def _check_problem_logged(env: h.TestEnv, job_id: str, key: bytes | None, event: dict, category: str) -> None:
    """The problem is one line of the full log and the only line of the .err (or .wrn) file,
    and the site has plain copies of the files (behaviours 161, 162)."""
    subset = "wrn" if category == "Warning" else "err"
    logs = h.read_logs(env.storage, job_id, key)
    assert set(logs) == {"log", subset}, sorted(logs)
    line = (category, h.problem_text(event))
    assert h.log_lines(logs[subset]) == [line]
    full = h.log_lines(logs["log"])
    assert [entry for entry in full if entry[0] in ("Warning", "Error", "FatalError")] == [line]
    warning = category == "Warning"
    h.check_summary(full, errors=0 if warning else 1, warnings=1 if warning else 0)
    for ext in ("log", subset):
        assert h.maintenance_log(env, f"Import-{job_id}-1.{ext}") == logs[ext].encode("utf-8")


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
    assert end["BytesProcessed"] == str(spec.bytes_processed - sum(len(d) for _, d in victim.versions)), end
    assert end["BytesProcessedOnlyCurrentVersion"] == str(spec.bytes_current - len(victim.current)), end
    h.check_file_absent(env, victim)
    h.check_folders_imported(env, built)
    for f in spec.files:
        if f is not victim:
            h.check_file_imported(env, built, f)


@MODES
def test_b55_b136_b149_md5_mismatch_fails_only_that_file(env, encrypted):
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
    assert MigrationServerJob(env.ctx.site).errors(job_id) == [error]  # as the client's job wrapper reports it
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


@MODES
def test_b57_b80_missing_optional_file_is_a_warning(env, encrypted):
    key, built = _prepare(env, encrypted)
    env.storage.manifest().delete_blob("LookupListMap.xml")

    job_id, progress = _run(env, key)
    events = progress.events
    assert h.event_sequence(events) == ["JobQueued", "JobStart", "JobWarning", "JobEnd"], h.problems(events)
    warning = progress.of("JobWarning")[0]
    assert (warning["ObjectType"], warning["Url"], warning["Id"]) == ("", "", ""), warning
    assert warning["Message"] == "LookupListMap.xml was not found in the manifest container.", warning
    end = progress.of("JobEnd")[0]
    assert (end["TotalErrors"], end["TotalWarnings"]) == ("0", "1"), end
    assert end["FilesCreated"] == str(built.spec.files_created), end
    _check_problem_logged(env, job_id, key, warning, "Warning")
    for f in built.spec.files:
        h.check_file_imported(env, built, f)


def test_b142_content_encrypted_with_another_key_fails_only_that_file(env):
    key, built = _prepare(env, encrypted=True)
    victim = built.spec.files[3]
    file_id = built.file_ids[victim.path]
    # Encrypted with another key, chosen so that the job key cannot even unpad it: a wrong
    # key that happened to leave valid PKCS7 padding would "decrypt" to garbage.
    while True:
        ciphertext, iv = encrypt(victim.current, os.urandom(32))
        try:
            decrypt(ciphertext, key, iv)
        except ValueError:
            break
    blob = env.storage.content().get_blob_client(file_id)
    blob.upload_blob(ciphertext, overwrite=True, metadata={"IV": iv})
    blob.create_snapshot()

    job_id, progress = _run(env, key)
    events = progress.events
    assert h.event_sequence(events) == ["JobQueued", "JobStart", "JobError", "JobEnd"], h.problems(events)
    error = progress.of("JobError")[0]
    _check_file_error(error, built, victim, f"Failed to decrypt blob '{file_id}'.")
    _check_problem_logged(env, job_id, key, error, "Error")
    _check_rest_imported(env, built, victim, progress.of("JobEnd")[0])


def test_b119_url_taken_by_a_file_with_another_id_fails(env):
    """A second package puts a file with a new id where another file already is."""
    path = f"clash-{env.tag}.txt"  # at the library root: no folder of either package clashes
    first = h.build_package(env.target, h.PackageSpec([], [h.FileSpec(path, [("1.0", b"the first file")], "First")]))
    h.stage(env.storage, first, None)
    _, progress = _run(env, None)
    assert h.event_sequence(progress.events) == ["JobQueued", "JobStart", "JobEnd"], h.problems(progress.events)

    env.storage = h.TestStorage.create(env.storage.account, h.fresh_tag(env.tag))
    other = h.FileSpec(f"other-{env.tag}.txt", [("1.0", b"an unrelated file")], "Other")
    clash = h.FileSpec(path, [("1.0", b"the second file")], "Second")
    second = h.build_package(env.target, h.PackageSpec([], [clash, other]))
    assert second.file_ids[path] != first.file_ids[path]
    h.stage(env.storage, second, None)
    job_id, progress = _run(env, None)
    events = progress.events
    assert h.event_sequence(events) == ["JobQueued", "JobStart", "JobError", "JobEnd"], h.problems(events)
    error = progress.of("JobError")[0]
    assert error["ErrorCode"] == "-2147024816", error  # 0x80070050 ERROR_FILE_EXISTS
    # The message names the file by the Url its manifest gives (read from the package, not the event).
    manifest = second.package.blobs()["Manifest.xml"].decode()
    tags = [part.split(">", 1)[0] for part in manifest.split("<File ")[1:]]
    tag = next(t for t in tags if f'Id="{second.file_ids[path]}"' in t)
    url = re.search(r'(?:^|\s)Url="([^"]*)"', tag).group(1)
    _check_file_error(error, second, clash, f"A file with the name '{url}' already exists.")
    _check_problem_logged(env, job_id, None, error, "Error")
    h.check_file_imported(env, first, first.spec.files[0])  # untouched
    h.check_file_imported(env, second, other)
