"""The job API around the import: creation checks, jobs without a queue submitted through
the client's own job wrapper, the progress API over GET and in verbose JSON, unknown jobs,
and resubmission of a package."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid

import pytest
from azure.storage.blob import generate_container_sas
from office365.migration.server_job import MigrationServerJob, parse_progress_events
from office365.runtime.client_request_exception import ClientRequestException

import helpers as h


def test_b35_b74_unknown_job(env):
    unknown = str(uuid.uuid4())
    with pytest.raises(ClientRequestException) as raised:
        h.progress_page(env, unknown, "0")
    assert raised.value.response.status_code == 500
    assert raised.value.args == ("-2147213145, Microsoft.SharePoint.SPException", "Job not found")
    assert h.job_status(env, unknown) == 0


def test_b14_b71_b72_b77_b78_ingestion_job_without_queue(env):
    """The client's MigrationServerJob submits through CreateMigrationIngestionJob with no
    queue; every event is still served by GetMigrationJobProgress, over POST (the client)
    and GET (the documented form), in verbose and nometadata JSON."""
    built = h.build_package(env.target, h.small_package(env.tag))
    h.stage(env.storage, built, None)
    s = env.storage
    server_job = MigrationServerJob(env.ctx.site)
    job_id = server_job.submit(env.target.web_id, s.job_source_url, s.job_manifest_url)
    assert h.GUID.match(job_id), job_id
    status = server_job.monitor(job_id, status_fn=server_job.status_fn(), interval=0.05, timeout=h.JOB_TIMEOUT)
    assert status == "succeeded"
    events = server_job.all_events(job_id)
    assert parse_progress_events(events)[0] == "succeeded", h.problems(events)
    assert h.event_sequence(events) == ["JobQueued", "JobStart", "JobEnd"], h.problems(events)
    h.check_common_fields(events, env.target, job_id)
    assert s.queue().peek_messages(max_messages=32) == []

    progress = h.follow(env, job_id)  # the POST form, through the client
    assert [json.loads(line) for line in progress.logs] == events
    rest = env.rest
    for token in ("0", "'0'"):
        page = rest.json(f"_api/site/GetMigrationJobProgress(jobId='{job_id}',nextToken={token})")
        assert page == {"Logs": progress.logs, "NextToken": progress.token}
    verbose = rest.http.get(
        f"{rest.site_url}/_api/site/GetMigrationJobProgress(jobId='{job_id}',nextToken='{progress.token}')",
        headers={"Accept": "application/json;odata=verbose"},
        timeout=30,
    )
    assert verbose.status_code == 200, verbose.text
    assert verbose.json() == {"d": {"GetMigrationJobProgress": {
        "__metadata": {"type": "SP.MigrationJobProgress"},
        "Logs": {"__metadata": {"type": "Collection(Edm.String)"}, "results": []},
        "NextToken": progress.token,
    }}}
    for f in built.spec.files:
        h.check_file_imported(env, built, f)


def test_b29_b117_b120_resubmission_replaces_files_and_versions(env):
    spec = h.small_package(env.tag)
    first = h.build_package(env.target, spec)
    h.stage(env.storage, first, None)
    progress = h.follow(env, h.submit(env))
    assert h.event_sequence(progress.events) == ["JobQueued", "JobStart", "JobEnd"], h.problems(progress.events)

    # The same objects again: one file with new content and title, the versioned one with a
    # new history. Staged into the same containers, so each blob gets a newer snapshot.
    spec.files[0].versions = [("1.0", b"new content of the first file")]
    spec.files[0].title = "A new title"
    spec.files[-1].versions = [("1.0", b"one"), ("2.0", b"two"), ("3.0", b"three")]
    second = h.build_package(env.target, spec, like=first)
    assert (second.file_ids, second.item_ids) == (first.file_ids, first.item_ids)
    h.stage(env.storage, second, None)
    job_id = h.submit(env)
    progress = h.follow(env, job_id)
    assert h.event_sequence(progress.events) == ["JobQueued", "JobStart", "JobEnd"], h.problems(progress.events)
    end = progress.of("JobEnd")[0]
    assert end["FilesCreated"] == str(spec.files_created), end
    for f in spec.files:
        h.check_file_imported(env, second, f)


def _create(env, **overrides) -> str:
    s = env.storage
    args = {
        "g_web_id": env.target.web_id,
        "azure_container_source_uri": s.job_source_url,
        "azure_container_manifest_uri": s.job_manifest_url,
        "azure_queue_report_uri": s.job_queue_url,
    }
    key = overrides.pop("key", None)
    args.update(overrides)
    if key is None:
        result = env.ctx.site.create_migration_job(**args)
    else:
        result = env.ctx.site.create_migration_job_encrypted(
            args["g_web_id"], args["azure_container_source_uri"], args["azure_container_manifest_uri"], key,
            args["azure_queue_report_uri"],
        )
    return str(result.execute_query().value)


def _rejected(env, **overrides) -> tuple[int, tuple]:
    with pytest.raises(ClientRequestException) as raised:
        _create(env, **overrides)
    return raised.value.response.status_code, raised.value.args


def test_b15_b16_b23_b26_b27_creation_rejects_bad_parameters(env):
    s = env.storage
    null = "Value cannot be null.\r\nParameter name: "
    assert _rejected(env, azure_container_source_uri=None) == (
        400, ("-2147467261, System.ArgumentNullException", null + "azureContainerSourceUri"))
    assert _rejected(env, azure_container_manifest_uri=None) == (
        400, ("-2147467261, System.ArgumentNullException", null + "azureContainerManifestUri"))
    status, (code, _) = _rejected(env, azure_container_manifest_uri=s.job_source_url)
    assert (status, code) == (400, "-2147024809, System.ArgumentException")
    status, (code, _) = _rejected(env, g_web_id=str(uuid.uuid4()))
    assert code == "-2147024894, System.IO.FileNotFoundException"
    status, (code, message) = _rejected(env, key=os.urandom(16))
    assert (status, code) == (400, "-2147024809, System.ArgumentException"), message
    # A queue that cannot be written (here: a SAS signed for another queue) fails the call.
    other = s.job_queue_url.replace(f"/{s.queue_name}?", f"/{s.queue_name}x?")
    status, (code, _) = _rejected(env, azure_queue_report_uri=other)
    assert code.endswith("StorageException"), code
    assert s.queue().peek_messages(max_messages=32) == [], "a rejected job writes no event"


def _container_sas_url(env, container: str, permission: str, start: dt.datetime, expiry: dt.datetime) -> str:
    sas = generate_container_sas(h.ACCOUNT, container, account_key=h.ACCOUNT_KEY, permission=permission, start=start,
                                 expiry=expiry)
    return f"{env.storage.account.blob_endpoint}/{container}?{sas}"


@pytest.mark.parametrize("case", ["source-without-list", "source-with-write", "manifest-without-write", "expired-source"])
def test_b17_b18_b19_b25_sas_checked_at_creation(env, case):
    s = env.storage
    now = dt.datetime.now(dt.timezone.utc)
    start, later = now - dt.timedelta(minutes=5), now + dt.timedelta(hours=2)
    only_rl = "The SAS token of azureContainerSourceUri must grant only Read and List permissions."
    if case == "source-without-list":
        overrides = {"azure_container_source_uri": _container_sas_url(env, s.content_name, "r", start, later)}
        expected = only_rl
    elif case == "source-with-write":
        # What a tool that reuses its staging SAS for the job sends.
        overrides = {"azure_container_source_uri": s.staging_content_url}
        expected = only_rl
    elif case == "manifest-without-write":
        overrides = {"azure_container_manifest_uri": _container_sas_url(env, s.manifest_name, "rl", start, later)}
        expected = "The SAS token of azureContainerManifestUri must grant only Read, List and Write permissions."
    else:
        expired = _container_sas_url(env, s.content_name, "rl", now - dt.timedelta(hours=3), now - dt.timedelta(hours=1))
        overrides = {"azure_container_source_uri": expired}
        expected = "The SAS token of azureContainerSourceUri has expired."
    status, (code, message) = _rejected(env, **overrides)
    assert (status, code, message) == (400, "-2147024809, System.ArgumentException", expected)
    assert s.queue().peek_messages(max_messages=32) == [], "a rejected job writes no event"


def test_b165_items_paged_filtered_and_site_users_through_the_client(env):
    """The client's own collection calls on imported items: get_all with a page size follows
    the server's __next links to the end, filter/select narrow the items, and the site's users
    are found by id, e-mail and principal name."""
    built = h.build_package(env.target, h.small_package(env.tag))
    h.stage(env.storage, built, None)
    progress = h.follow(env, h.submit(env))
    assert h.event_sequence(progress.events) == ["JobQueued", "JobStart", "JobEnd"], h.problems(progress.events)

    library = env.ctx.web.lists.get_by_title("Documents")
    pages = []
    items = library.items.get_all(2, page_loaded=lambda col: pages.append(len(col))).execute_query()
    ids = [item.properties["Id"] for item in items]
    assert ids == sorted(set(ids)), ids
    assert set(built.item_ids.values()) <= set(ids), (built.item_ids, ids)
    assert len(pages) >= len(ids) // 2, pages  # two at a time, by the server's pages

    path, item_id = next((p, i) for p, i in built.item_ids.items() if p.endswith("/file1.txt"))
    one = library.items.filter(f"Id eq {item_id}").get().execute_query()
    assert [i.properties["Title"] for i in one] == ["File 1"]
    leaf = (
        library.items.filter(f"FileRef eq '{env.target.file_url(path)}'")
        .select(["Id", "FileLeafRef"])
        .get()
        .execute_query()
    )
    assert [(i.properties["Id"], i.properties["FileLeafRef"]) for i in leaf] == [(item_id, "file1.txt")]

    users = env.ctx.web.site_users.get().execute_query()
    by_login = {u.properties["LoginName"]: u.properties for u in users}
    assert "SHAREPOINT\\system" in by_login, list(by_login)
    upn = next(login for login in by_login if login.startswith("i:0#.f|membership|"))
    user = by_login[upn]
    found = env.ctx.web.site_users.get_by_id(user["Id"]).get().execute_query()
    assert found.properties["LoginName"] == upn
    principal = env.ctx.web.site_users.get_by_principal_name(user["UserPrincipalName"]).execute_query()
    assert principal.properties["Id"] == user["Id"]
