import os, uuid, datetime as dt
import pytest
import helpers as h
from azure.storage.blob import generate_container_sas


@pytest.mark.parametrize("case", ["expired", "badsig", "manifest-ro", "source-r-only"])
def test_probe_sas_processing(env, case):
    s = env.storage
    built = h.build_package(env.target, h.small_package(env.tag)); h.stage(s, built, None)
    now = dt.datetime.now(dt.timezone.utc)
    src, man = s.job_source_url, s.job_manifest_url
    if case == "expired":
        src = f"{s.account.blob_endpoint}/{s.content_name}?" + generate_container_sas(h.ACCOUNT, s.content_name, account_key=h.ACCOUNT_KEY, permission="rl", start=now - dt.timedelta(hours=3), expiry=now - dt.timedelta(hours=1))
    if case == "badsig":
        src = src[:-6] + "AAAA%3D"
    if case == "manifest-ro":
        man = s._container_url(s.manifest_name, "rl")
    if case == "source-r-only":
        src = s._container_url(s.content_name, "r")
    r = env.ctx.site.create_migration_job(env.target.web_id, src, man, s.job_queue_url).execute_query()
    p = h.follow(env, str(r.value))
    print(case, h.event_sequence(p.events)); print(h.problems(p.events))
    print(sorted(h.read_logs(s, str(r.value), None)))
