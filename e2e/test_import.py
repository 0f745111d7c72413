"""A whole package (3 folders, 20 files, versions, item fields) imported with and without
encryption, checked through every channel a migration tool has: the progress API, the
report queue, the log blobs, the Maintenance Logs copy and SharePoint REST."""

from __future__ import annotations

import json
import os

import pytest
from office365.migration.package import BlobStaging

import helpers as h


def _import_and_check(env: h.TestEnv, key: bytes | None) -> None:
    spec = h.standard_package(env.tag)
    built = h.build_package(env.target, spec)
    h.stage(env.storage, built, key)

    job_id = h.submit(env, key)
    # JobQueued is in the queue before CreateMigrationJob returns (behaviour 22).
    first = env.storage.queue().peek_messages(max_messages=1)
    assert first, "the queue is empty right after CreateMigrationJob returned"
    assert json.loads(h.decode_queue([first[0].content], job_id, key)[0])["Event"] == "JobQueued"
    progress = h.follow(env, job_id)
    events = progress.events

    # The event stream (behaviours 11, 44, 50, 53, 54, 60, 61).
    assert h.event_sequence(events) == ["JobQueued", "JobStart", "JobEnd"], h.problems(events)
    h.check_common_fields(events, env.target, job_id)
    h.check_progress_replay(env, job_id, progress)
    end = progress.of("JobEnd")[0]
    counters = {name: end[name] for name in (
        "FilesCreated", "FilesCreatedIrrespectiveOfVersions", "BytesProcessed", "BytesProcessedOnlyCurrentVersion",
        "TotalErrors", "TotalWarnings", "TotalExpectedSPObjects")}
    assert counters == {
        "FilesCreated": str(spec.files_created),  # every version counts (62)
        "FilesCreatedIrrespectiveOfVersions": str(len(spec.files)),  # each file once (62, 63)
        "BytesProcessed": str(spec.bytes_processed),
        "BytesProcessedOnlyCurrentVersion": str(spec.bytes_current),
        "TotalErrors": "0",
        "TotalWarnings": "0",
        # Manifest objects and UserGroup.xml's users (open question Q22).
        "TotalExpectedSPObjects": str(built.manifest_objects() + built.users()),
    }, counters
    assert end["IsShallowCopy"] == "False"
    stats = json.loads(end["ObjectsStatsByType"])
    assert stats["SPFile"]["Count"] == len(spec.files), stats
    assert stats["SPListItem"]["Count"] == len(spec.files), stats
    assert h.job_status(env, job_id) == 0  # behaviour 35: finished jobs leave the queue

    # The queue carries the same events, in order (behaviours 22, 49, 67, 68, 69).
    texts = h.queue_texts(env.storage, len(progress.logs))
    assert h.decode_queue(texts, job_id, key) == progress.logs

    # The logs (behaviours 160, 161, 163, 164) and their Maintenance Logs copy (162).
    logs = h.read_logs(env.storage, job_id, key)
    assert set(logs) == {"log"}, f"only the full log when nothing went wrong: {sorted(logs)}"
    lines = h.log_lines(logs["log"])
    h.check_summary(lines, errors=0, warnings=0, objects=end["ObjectsProcessed"])
    assert not [t for c, t in lines if c in ("Warning", "Error", "FatalError")]
    assert h.maintenance_log(env, f"Import-{job_id}-1.log") == logs["log"].encode("utf-8")  # plain copy
    # The client's own reader (GET + IV metadata + decrypt) gives the same text.
    staging = BlobStaging(env.storage.staging_content_url, env.storage.staging_manifest_url, encryption_key=key)
    assert staging.read_manifest_blob(f"Import-{job_id}-1.log") == logs["log"].encode("utf-8")

    # What SharePoint now holds (behaviours 114, 120, 122, 132).
    h.check_folders_imported(env, built)
    for f in spec.files:
        h.check_file_imported(env, built, f)


def test_b11_b22_b49_b61_b62_b120_b122_b161_unencrypted_import_with_versions_and_fields(env):
    _import_and_check(env, key=None)


def test_b13_b67_b68_b139_b143_b164_encrypted_import_with_versions_and_fields(env):
    _import_and_check(env, key=os.urandom(32))


def test_b8_b69_concurrent_jobs_share_one_queue(env):
    """Three jobs at once (the emulator runs two attempts in parallel), two of them encrypted,
    all reporting to one queue: each job's messages, picked out by JobId, are its events in
    order, and every job imports its own package completely."""
    jobs = []
    for i, encrypted in enumerate([False, True, True]):
        storage = h.TestStorage.create(env.storage.account, h.fresh_tag(f"{env.tag}-{i}"))
        key = os.urandom(32) if encrypted else None
        spec = h.standard_package(f"{env.tag}-{i}") if i < 2 else h.small_package(f"{env.tag}-{i}")
        built = h.build_package(env.target, spec)
        h.stage(storage, built, key)
        job_env = h.TestEnv(env.emulator_url, env.target, storage, f"{env.tag}-{i}")
        # Every job reports to the queue of the test's own storage.
        job_env.storage = h.TestStorage(storage.account, storage.content_name, storage.manifest_name,
                                        env.storage.queue_name)
        jobs.append((job_env, key, built))
    ids = [h.submit(job_env, key) for job_env, key, _ in jobs]
    results = [h.follow(job_env, job_id) for (job_env, _, _), job_id in zip(jobs, ids)]
    total = sum(len(p.logs) for p in results)
    by_job = h.split_queue(h.queue_texts(env.storage, total))
    assert set(by_job) == set(ids)
    for (job_env, key, built), job_id, progress in zip(jobs, ids, results):
        assert h.event_sequence(progress.events) == ["JobQueued", "JobStart", "JobEnd"], h.problems(progress.events)
        h.check_common_fields(progress.events, env.target, job_id)
        assert h.decode_queue(by_job[job_id], job_id, key) == progress.logs
        for f in built.spec.files:
            h.check_file_imported(job_env, built, f)


@pytest.mark.xfail(strict=True, reason="emulator defect: log blobs are written with metadata 'iv', not 'IV' "
                                       "(logs.md §4); readers doing metadata['IV'] fail")
def test_encrypted_log_blobs_name_their_metadata_IV_in_upper_case(env):
    key = os.urandom(32)
    built = h.build_package(env.target, h.small_package(env.tag))
    h.stage(env.storage, built, key)
    job_id = h.submit(env, key)
    h.follow(env, job_id)
    # BlobStaging's own uploads keep the name as written, so Azurite preserves case.
    staged = env.storage.content().get_blob_client(built.file_ids[built.spec.files[0].path])
    assert list(staged.get_blob_properties().metadata) == ["IV"]
    log = env.storage.manifest().get_blob_client(f"Import-{job_id}-1.log")
    assert list(log.get_blob_properties().metadata) == ["IV"]
