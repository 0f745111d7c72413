"""The job lifecycle through the real client: throttling honoured by its retry, storage
provisioned by SharePoint and staged by the client's BlobStaging, the queue's view of jobs,
and deletion. Service conditions come from the emulator's rules (`/_emulator/rules`)."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from azure.storage.queue import QueueClient
from office365.migration.package import BlobStaging
from office365.runtime.retry import retry_after_delay

import helpers as h


@pytest.fixture
def rules(emulator):
    """Adds emulator rules for one test and removes every rule afterwards."""

    def add(*items: dict) -> None:
        response = requests.post(f"{emulator.url}/_emulator/rules", json=list(items), timeout=10)
        assert response.status_code == 201, response.text

    yield add
    requests.delete(f"{emulator.url}/_emulator/rules", timeout=10)


def _remaining(emulator) -> list:
    return [r["remaining"] for r in requests.get(f"{emulator.url}/_emulator/rules", timeout=10).json()["rules"]]


@pytest.mark.parametrize("status", [429, 503])
def test_b167_throttled_creation_is_retried_after_retry_after(env, emulator, rules, status):
    built = h.build_package(env.target, h.small_package(env.tag, count=2))
    h.stage(env.storage, built, None)
    rules({"action": "throttle", "endpoint": "CreateMigrationJob", "status": status, "retry_after": 1, "count": 2})
    s = env.storage
    result = env.ctx.site.create_migration_job(env.target.web_id, s.job_source_url, s.job_manifest_url, s.job_queue_url)
    attempts: list[int] = []

    def honour_retry_after(attempt: int, ex: Exception):
        attempts.append(ex.response.status_code)
        return retry_after_delay(ex)

    started = time.monotonic()
    env.ctx.execute_query_retry(max_retry=4, timeout_secs=30, failure_callback=honour_retry_after)
    elapsed = time.monotonic() - started
    assert attempts == [status, status]
    assert elapsed >= 2.0, f"the client waited the two Retry-After seconds, not its 30 s back-off: {elapsed:.1f} s"
    assert elapsed < 20.0, elapsed
    assert _remaining(emulator) == [0]
    progress = h.follow(env, str(result.value))
    assert h.event_sequence(progress.events) == ["JobQueued", "JobStart", "JobEnd"], h.problems(progress.events)


def test_b1_b3_b5_b7_b20_b21_provisioned_storage_takes_a_client_staged_encrypted_job(env):
    site = env.ctx.site
    containers = site.provision_migration_containers().execute_query().value
    queue = site.provision_migration_queue().execute_query().value
    key = containers.EncryptionKey
    if isinstance(key, str):
        key = base64.b64decode(key)
    assert len(key) == 32
    for uri in (containers.DataContainerUri, containers.MetadataContainerUri):
        assert "/0-1623-" in uri and "sp=rw" in uri and "sr=c" in uri and "spr=https%2Chttp" in uri, uri
    assert "/q-" in queue.JobQueueUri and "sp=raup" in queue.JobQueueUri, queue.JobQueueUri

    # The client stages straight into the provisioned containers with their rw SAS.
    built = h.build_package(env.target, h.small_package(env.tag, count=3))
    BlobStaging(containers.DataContainerUri, containers.MetadataContainerUri, encryption_key=key).stage(built.package)

    with pytest.raises(Exception) as refused:
        site.create_migration_job(env.target.web_id, containers.DataContainerUri, containers.MetadataContainerUri,
                                  queue.JobQueueUri).execute_query()
    assert refused.value.args == ("-2147024809, System.ArgumentException",
                                  "Containers provisioned by SharePoint can only be used with "
                                  "CreateMigrationJobEncrypted.")

    result = site.create_migration_job_encrypted(env.target.web_id, containers.DataContainerUri,
                                                 containers.MetadataContainerUri, key, queue.JobQueueUri)
    job_id = str(result.execute_query().value)
    progress = h.follow(env, job_id)
    assert h.event_sequence(progress.events) == ["JobQueued", "JobStart", "JobEnd"], h.problems(progress.events)
    assert progress.of("JobEnd")[0]["FilesCreatedIrrespectiveOfVersions"] == str(len(built.spec.files))
    for spec in built.spec.files:
        h.check_file_imported(env, built, spec)

    # The provisioned queue, read with its own SAS URL, carries the encrypted story.
    messages = QueueClient.from_queue_url(queue.JobQueueUri).receive_messages(max_messages=32)
    texts = [m.content for m in messages]
    assert h.decode_queue(texts, job_id, key) == progress.logs


def test_b46_b47_the_queue_lists_a_postponed_job_until_it_is_deleted(env, rules):
    rules({"action": "postpone", "reason_code": 7, "container": env.tag, "minutes": 600})
    built = h.build_package(env.target, h.small_package(env.tag, count=1))
    h.stage(env.storage, built, None)
    job_id = h.submit(env)
    deadline = time.monotonic() + h.JOB_TIMEOUT
    while not any(json.loads(line)["Event"] == "JobPostponed" for line in h.progress_page(env, job_id, "0")[0]):
        assert time.monotonic() < deadline, "no JobPostponed"
        time.sleep(0.05)
    queued = env.ctx.site.get_migration_status().execute_query()
    states = {str(s.job_id): s.job_state for s in queued}
    assert states.get(job_id) == 2, states
    assert h.job_status(env, job_id) == 2

    assert env.ctx.site.delete_migration_job(job_id).execute_query().value is True
    assert h.job_status(env, job_id) == 0
    logs, _ = h.progress_page(env, job_id, "0")
    events = [json.loads(line) for line in logs]
    assert h.event_sequence(events) == ["JobQueued", "JobPostponed", "JobDeleted"]
    postponed = events[1]
    assert (postponed["ReasonCode"], postponed["Reason"]) == ("7", "JobInQueue:DBMaint")
    texts = h.queue_texts(env.storage, expected=3)
    assert h.decode_queue(texts, job_id, None) == logs
    assert env.ctx.site.delete_migration_job(job_id).execute_query().value is False
