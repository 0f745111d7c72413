"""A whole package (3 folders, 20 files, versions, item fields) imported with and without
encryption, checked through every channel a migration tool has: the progress API, the
report queue, the log blobs, the Maintenance Logs copy and SharePoint REST."""

from __future__ import annotations

import json
import os

import helpers as h


def _import_and_check(env: h.TestEnv, key: bytes | None) -> None:
    spec = h.standard_package(env.tag)
    built = h.build_package(env.target, spec)
    h.stage(env.storage, built, key)

    job_id = h.submit(env, key)
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
        "TotalExpectedSPObjects": str(built.manifest_objects()),
    }, counters
    assert end["IsShallowCopy"] == "False"
    stats = json.loads(end["ObjectsStatsByType"])
    assert stats["SPFile"]["Count"] == len(spec.files), stats
    assert stats["SPListItem"]["Count"] == len(spec.files), stats
    assert h.job_status(env, job_id) == 0  # behaviour 35: finished jobs leave the queue

    # The queue carries the same events, in order (behaviours 22, 49, 67, 68, 69).
    texts = h.queue_texts(env.storage)
    assert h.decode_queue(texts, job_id, key) == progress.logs

    # The logs (behaviours 160, 161, 163, 164) and their Maintenance Logs copy (162).
    logs = h.read_logs(env.storage, job_id, key)
    assert set(logs) == {"log"}, f"only the full log when nothing went wrong: {sorted(logs)}"
    lines = h.log_lines(logs["log"])
    h.check_summary(lines, errors=0, warnings=0)
    assert not [t for c, t in lines if c in ("Warning", "Error", "FatalError")]
    assert h.maintenance_log(env, f"Import-{job_id}-1.log") == logs["log"].encode("utf-8")

    # What SharePoint now holds (behaviours 114, 120, 122, 132).
    h.check_folders_imported(env, built)
    for f in spec.files:
        h.check_file_imported(env, built, f)


def test_b11_b22_b49_b61_b62_b120_b122_b161_unencrypted_import_with_versions_and_fields(env):
    _import_and_check(env, key=None)


def test_b13_b67_b68_b139_b143_b164_encrypted_import_with_versions_and_fields(env):
    _import_and_check(env, key=os.urandom(32))
