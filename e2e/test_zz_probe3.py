import os, uuid, datetime as dt
import pytest
import helpers as h
from azure.storage.blob import generate_container_sas
from office365.runtime.client_request_exception import ClientRequestException


def _try(env, **kw):
    s = env.storage
    args = dict(g_web_id=env.target.web_id, azure_container_source_uri=s.job_source_url,
                azure_container_manifest_uri=s.job_manifest_url, azure_queue_report_uri=s.job_queue_url)
    key = kw.pop("key", None)
    args.update(kw)
    try:
        if key is None:
            r = env.ctx.site.create_migration_job(**args).execute_query()
        else:
            r = env.ctx.site.create_migration_job_encrypted(args["g_web_id"], args["azure_container_source_uri"], args["azure_container_manifest_uri"], key, args["azure_queue_report_uri"]).execute_query()
        return "OK " + str(r.value)
    except ClientRequestException as e:
        return f"ERR {e.response.status_code} {e.args}"
    except Exception as e:
        return f"EXC {type(e).__name__} {e}"


def test_probe_creation(env):
    s = env.storage
    now = dt.datetime.now(dt.timezone.utc)
    expired = f"{s.account.blob_endpoint}/{s.content_name}?" + generate_container_sas(h.ACCOUNT, s.content_name, account_key=h.ACCOUNT_KEY, permission="rl", start=now - dt.timedelta(hours=3), expiry=now - dt.timedelta(hours=1))
    future = f"{s.account.blob_endpoint}/{s.content_name}?" + generate_container_sas(h.ACCOUNT, s.content_name, account_key=h.ACCOUNT_KEY, permission="rl", start=now + dt.timedelta(hours=1), expiry=now + dt.timedelta(hours=3))
    badsig = s.job_source_url[:-6] + "AAAA%3D"
    cases = {
        "unknown web": dict(g_web_id=str(uuid.uuid4())),
        "same container": dict(azure_container_manifest_uri=s.job_source_url),
        "null manifest": dict(azure_container_manifest_uri=None),
        "null source": dict(azure_container_source_uri=None),
        "expired source sas": dict(azure_container_source_uri=expired),
        "future source sas": dict(azure_container_source_uri=future),
        "bad signature": dict(azure_container_source_uri=badsig),
        "source with write": dict(azure_container_source_uri=s.staging_content_url),
        "manifest read only": dict(azure_container_manifest_uri=s._container_url(s.manifest_name, "rl")),
        "source no list": dict(azure_container_source_uri=s._container_url(s.content_name, "r")),
        "no queue": dict(azure_queue_report_uri=None),
        "missing queue": dict(azure_queue_report_uri=s.job_queue_url.replace(s.queue_name, "nosuchqueue")),
        "short key": dict(key=os.urandom(16)),
    }
    for name, kw in cases.items():
        print(f"{name:22s}", _try(env, **kw))
