"""Shared helpers of the end-to-end suite.

Everything a test does goes through third-party clients, as a migration tool would:
`office365-rest-python-client` builds, stages and submits the package and polls progress;
`azure-storage-blob`/`azure-storage-queue` create containers and queues, sign SAS URLs,
tamper with blobs and read the queue and the log blobs. REST read-back uses the same
client where it can, and `requests` with the bearer token for the rest.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import random
import re
import time
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import quote
from xml.etree import ElementTree

import requests
from azure.storage.blob import BlobServiceClient, ContainerClient, generate_container_sas
from azure.storage.queue import QueueClient, QueueServiceClient, generate_queue_sas
from office365.migration.package import BlobStaging, PackageBuilder
from office365.migration.package.crypto import decrypt, encrypt
from office365.runtime.auth.token_response import TokenResponse
from office365.sharepoint.client_context import ClientContext

ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
TOKEN = "e2e-token"
JOB_TIMEOUT = 60.0

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EVENT_TIME = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}\.\d{3}$")
LOG_LINE = re.compile(r"^\[(\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}\.\d{3})\] (Progress|Verbose|Warning|Error|FatalError): (.*)$")


# ── Storage ────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class StorageAccount:
    blob_endpoint: str
    queue_endpoint: str

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={self.blob_endpoint};QueueEndpoint={self.queue_endpoint};"
        )

    def blob_service(self) -> BlobServiceClient:
        return BlobServiceClient.from_connection_string(self.connection_string)

    def queue_service(self) -> QueueServiceClient:
        return QueueServiceClient.from_connection_string(self.connection_string)


def fresh_tag(test_name: str) -> str:
    """A container/queue name stem: lower case, single hyphens, unique per call."""
    stem = re.sub(r"[^a-z0-9]+", "-", test_name.lower()).strip("-")[:36].strip("-")
    return f"{stem}-{uuid.uuid4().hex[:8]}"


def _sas_window() -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.timezone.utc)
    return now - dt.timedelta(minutes=5), now + dt.timedelta(hours=2)


@dataclass
class TestStorage:
    """Fresh content and manifest containers and a report queue for one test."""

    account: StorageAccount
    content_name: str
    manifest_name: str
    queue_name: str

    __test__ = False  # not a pytest class

    @classmethod
    def create(cls, account: StorageAccount, tag: str) -> "TestStorage":
        storage = cls(account, f"{tag}-content", f"{tag}-manifest", f"{tag}-queue")
        blobs = account.blob_service()
        blobs.create_container(storage.content_name)
        blobs.create_container(storage.manifest_name)
        account.queue_service().create_queue(storage.queue_name)
        return storage

    def _container_url(self, name: str, permission: str) -> str:
        start, expiry = _sas_window()
        sas = generate_container_sas(ACCOUNT, name, account_key=ACCOUNT_KEY, permission=permission, start=start,
                                     expiry=expiry)
        return f"{self.account.blob_endpoint}/{name}?{sas}"

    # What the tool stages with: BlobStaging writes and snapshots.
    @property
    def staging_content_url(self) -> str:
        return self._container_url(self.content_name, "racwl")

    @property
    def staging_manifest_url(self) -> str:
        return self._container_url(self.manifest_name, "racwl")

    # What the job gets, as the Migration API documentation asks: content Read+List,
    # manifest Read+List+Write (the logs are written there), queue Read+Add+Update+Process.
    @property
    def job_source_url(self) -> str:
        return self._container_url(self.content_name, "rl")

    @property
    def job_manifest_url(self) -> str:
        return self._container_url(self.manifest_name, "rwl")

    @property
    def job_queue_url(self) -> str:
        start, expiry = _sas_window()
        sas = generate_queue_sas(ACCOUNT, self.queue_name, ACCOUNT_KEY, permission="raup", start=start, expiry=expiry)
        return f"{self.account.queue_endpoint}/{self.queue_name}?{sas}"

    # Account-key clients for the test's own inspection and tampering.
    def content(self) -> ContainerClient:
        return self.account.blob_service().get_container_client(self.content_name)

    def manifest(self) -> ContainerClient:
        return self.account.blob_service().get_container_client(self.manifest_name)

    def queue(self) -> QueueClient:
        return self.account.queue_service().get_queue_client(self.queue_name)


def put_blob(container: ContainerClient, name: str, data: bytes, key: bytes | None, *, snapshot: bool) -> None:
    """Uploads `data` as BlobStaging would (encrypted with the IV in metadata when `key`)."""
    blob = container.get_blob_client(name)
    if key is None:
        blob.upload_blob(data, overwrite=True)
    else:
        ciphertext, iv = encrypt(data, key)
        blob.upload_blob(ciphertext, overwrite=True, metadata={"IV": iv})
    if snapshot:
        blob.create_snapshot()


def blob_iv(properties) -> str | None:
    for name, value in (properties.metadata or {}).items():
        if name.lower() == "iv":
            return value
    return None


# ── The target site ────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Target:
    site_url: str  # absolute
    site_id: str
    web_id: str
    web_url: str  # server-relative, e.g. /sites/dev
    list_id: str
    list_title: str
    list_url: str  # server-relative URL of the library's root folder
    root_folder_id: str

    def file_url(self, path: str) -> str:
        return f"{self.list_url}/{path}"


def client_context(site_url: str) -> ClientContext:
    return ClientContext(site_url).with_access_token(lambda: TokenResponse(access_token=TOKEN, token_type="Bearer"))


def read_target(site_url: str, list_title: str = "Documents") -> Target:
    ctx = client_context(site_url)
    site = ctx.site.get().select(["Id", "Url"]).execute_query()
    web = ctx.web.get().select(["Id", "ServerRelativeUrl"]).execute_query()
    lib = (
        ctx.web.lists.get_by_title(list_title)
        .get()
        .select(["Id", "Title", "RootFolder/UniqueId", "RootFolder/ServerRelativeUrl"])
        .expand(["RootFolder"])
        .execute_query()
    )
    return Target(
        site_url=site_url,
        site_id=str(site.id),
        web_id=str(web.id),
        web_url=web.server_relative_url,
        list_id=str(lib.id),
        list_title=lib.title,
        list_url=lib.root_folder.server_relative_url,
        root_folder_id=str(lib.root_folder.unique_id),
    )


class Rest:
    """Plain REST calls with the bearer token, JSON without metadata."""

    def __init__(self, site_url: str) -> None:
        self.site_url = site_url.rstrip("/")
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {TOKEN}", "Accept": "application/json;odata=nometadata"})

    def get(self, path: str) -> requests.Response:
        return self.http.get(f"{self.site_url}/{path}", timeout=30)

    def json(self, path: str) -> dict:
        r = self.get(path)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text[:500]}"
        return r.json()

    def bytes(self, path: str) -> bytes:
        r = self.get(path)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text[:500]}"
        return r.content


def file_api(server_relative_url: str) -> str:
    """`_api/web/GetFileByServerRelativeUrl('…')`, quoted for the request line."""
    literal = server_relative_url.replace("'", "''")
    return "_api/web/GetFileByServerRelativeUrl('" + quote(literal, safe="/") + "')"


# ── Packages ───────────────────────────────────────────────────────────────────────────


@dataclass
class FileSpec:
    path: str  # library-relative
    versions: list[tuple[str, bytes]]  # oldest first; the last one is the current version
    title: str | None = None  # Title field; the builder's default is the leaf name
    created: str | None = None  # TimeCreated, as written in the manifest (UTC, ISO 8601)
    modified: str | None = None  # TimeLastModified

    @property
    def current(self) -> bytes:
        return self.versions[-1][1]

    @property
    def current_label(self) -> str:
        return self.versions[-1][0]

    @property
    def expected_title(self) -> str:
        return self.title if self.title is not None else self.path.rsplit("/", 1)[-1]


@dataclass
class PackageSpec:
    folders: list[str]
    files: list[FileSpec]

    @property
    def files_created(self) -> int:
        return sum(len(f.versions) for f in self.files)

    @property
    def bytes_processed(self) -> int:
        return sum(len(data) for f in self.files for _, data in f.versions)

    @property
    def bytes_current(self) -> int:
        return sum(len(f.current) for f in self.files)


def _payload(rng: random.Random, size: int, label: str) -> bytes:
    head = f"{label}\n".encode()
    if size <= len(head):
        return head[:size]
    return head + rng.randbytes(size - len(head))


def standard_package(tag: str) -> PackageSpec:
    """Three folders (one nested), twenty files, eight of them with 2–3 versions, custom
    titles on most, source dates on most. Sizes cover empty, block-aligned (PKCS7 then adds a
    whole block) and multi-block content; names have spaces, accents and an apostrophe."""
    rng = random.Random(f"e2e:{tag}")
    reports, archive, misc = f"Reports {tag}", f"Reports {tag}/Archive 2024", f"Misc-{tag}"
    folders = [reports, archive, misc]
    sizes = [1, 15, 16, 17, 31, 32, 100, 255, 256, 1000, 1024, 4096, 5000, 16384, 65536, 70001, 0, 48, 777, 200_000]
    version_counts = {0: 2, 3: 3, 5: 2, 8: 3, 11: 2, 13: 2, 17: 3, 19: 2}
    names = [
        "plan.txt", "notes.md", "budget.xlsx", "résumé final.docx", "data.bin", "image.png", "a.txt",
        "minutes 2024-01.txt", "deck.pptx", "readme", "big.pdf", "o'brien.txt", "table.csv", "x.json",
        "log.log", "report.docx", "empty.dat", "block.bin", "spec.md", "large.bin",
    ]
    homes = [reports, archive, misc]
    files = []
    for i, (name, size) in enumerate(zip(names, sizes)):
        path = f"{homes[i % 3]}/{name}"
        count = version_counts.get(i, 1)
        versions = []
        for v in range(1, count + 1):
            label = f"{v}.0"
            # Older versions differ in size and bytes from the current one.
            versions.append((label, _payload(rng, size + (count - v) * 7, f"{path} v{label}")))
        title = None if i % 4 == 3 else f"Title of {name} ({tag}) ✓"
        created = modified = None
        if i % 3 != 1:  # most files carry their source dates
            created_at = dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=37 * i, seconds=4321 * i)
            created = created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            modified = (created_at + dt.timedelta(days=i, hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        files.append(FileSpec(path, versions, title, created, modified))
    return PackageSpec(folders, files)


def small_package(tag: str, count: int = 5) -> PackageSpec:
    """One folder, `count` single-version files and one file with two versions."""
    rng = random.Random(f"e2e-small:{tag}")
    folder = f"Small {tag}"
    files = [FileSpec(f"{folder}/file{i}.txt", [("1.0", _payload(rng, 40 + 13 * i, f"file{i}"))], f"File {i}")
             for i in range(count)]
    files.append(FileSpec(f"{folder}/versioned.txt",
                          [("1.0", _payload(rng, 30, "v1")), ("2.0", _payload(rng, 45, "v2"))], "Versioned"))
    return PackageSpec([folder], files)


@dataclass
class BuiltPackage:
    spec: PackageSpec
    package: object  # office365.migration.package.Package
    namespace: uuid.UUID  # PackageBuilder's id namespace: the same one gives the same ids
    file_ids: dict[str, str]  # library-relative path -> file GUID
    folder_ids: dict[str, str]
    item_ids: dict[str, int]  # library-relative path -> list item integer id

    def manifest_objects(self) -> int:
        return self.package.blobs()["Manifest.xml"].count(b"<SPObject ")

    def users(self) -> int:
        return self.package.blobs()["UserGroup.xml"].count(b"<User ")

    def item_guid(self, path: str) -> str:
        """The SPListItem Id the manifest gives the item of the file at `path`."""
        root = ElementTree.fromstring(self.package.blobs()["Manifest.xml"])
        ns = "{urn:deployment-manifest-schema}"
        for item in root.iter(f"{ns}ListItem"):
            if item.get("DocId") == self.file_ids[path]:
                return item.get("Id")
        raise AssertionError(f"no ListItem for {path}")


# List item ids are unique per list: PackageBuilder numbers items 1, 2, 3… in every package,
# so packages of one session share the library through ids taken from this counter.
_item_ids = itertools.count(1)


def build_package(target: Target, spec: PackageSpec, like: BuiltPackage | None = None) -> BuiltPackage:
    """Builds `spec` for the target library. With `like`, objects keep the ids they had there
    (a resubmission of the same content); otherwise every id is new."""
    namespace = like.namespace if like else uuid.uuid4()
    builder = PackageBuilder(
        target.site_url,
        web_id=target.web_id,
        web_url=target.web_url,
        list_id=target.list_id,
        list_title=target.list_title,
        list_url=target.list_url,
        root_folder_id=target.root_folder_id,  # the builder's default (the list id) is wrong for a real library
        namespace=namespace,
    )
    # A package without users draws a warning from the service (behaviour 110).
    builder.add_user("i:0#.f|membership|e2e@contoso.com", name="E2E")
    folder_ids = {path: builder.add_folder(path) for path in spec.folders}
    file_ids, item_ids = {}, {}
    for f in spec.files:
        fields = {"Title": f.title} if f.title is not None else None
        older = f.versions[:-1] or None
        item_ids[f.path] = like.item_ids[f.path] if like and f.path in like.item_ids else next(_item_ids)
        file_ids[f.path] = builder.add_file(
            f.path, f.current, version=f.current_label, versions=older, fields=fields,
            time_created=f.created, time_last_modified=f.modified, list_item_int_id=item_ids[f.path],
        )
    return BuiltPackage(spec, builder.build(), namespace, file_ids, folder_ids, item_ids)


def stage(storage: TestStorage, built: BuiltPackage, key: bytes | None) -> None:
    # Constructed directly: create_staging() accepts only *.blob.core.windows.net hosts.
    BlobStaging(storage.staging_content_url, storage.staging_manifest_url, encryption_key=key).stage(built.package)


# ── Jobs ───────────────────────────────────────────────────────────────────────────────


@dataclass
class TestEnv:
    emulator_url: str
    target: Target
    storage: TestStorage
    tag: str
    ctx: ClientContext = field(init=False)

    __test__ = False

    def __post_init__(self) -> None:
        self.ctx = client_context(self.target.site_url)

    @cached_property
    def rest(self) -> Rest:
        return Rest(self.target.site_url)


def submit(env: TestEnv, key: bytes | None = None) -> str:
    s, site = env.storage, env.ctx.site
    if key is None:
        result = site.create_migration_job(env.target.web_id, s.job_source_url, s.job_manifest_url, s.job_queue_url)
    else:
        result = site.create_migration_job_encrypted(env.target.web_id, s.job_source_url, s.job_manifest_url, key,
                                                     s.job_queue_url)
    result.execute_query()
    job_id = str(result.value)
    assert GUID.match(job_id), f"CreateMigrationJob returned {job_id!r}"
    return job_id


@dataclass
class Progress:
    logs: list[str]  # the Logs strings, in order, across all pages
    token: str  # the last NextToken

    @property
    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.logs]

    def of(self, name: str) -> list[dict]:
        return [e for e in self.events if e["Event"] == name]


def progress_page(env: TestEnv, job_id: str, token: str) -> tuple[list[str], str]:
    result = env.ctx.site.get_migration_job_progress(job_id, token).execute_query()
    page = result.value
    logs = list(page.Logs)
    for line in logs:
        assert isinstance(line, str), f"Logs entries must be JSON strings, got {line!r}"
    assert isinstance(page.NextToken, str) and page.NextToken, f"bad NextToken {page.NextToken!r}"
    return logs, page.NextToken


def follow(env: TestEnv, job_id: str, timeout: float = JOB_TIMEOUT) -> Progress:
    """Polls GetMigrationJobProgress from token "0" until a JobEnd event has arrived."""
    deadline = time.monotonic() + timeout
    logs: list[str] = []
    token = "0"
    while True:
        page, next_token = progress_page(env, job_id, token)
        if not page:
            assert next_token == token, f"an empty page must keep the token: sent {token}, got {next_token}"
        logs.extend(page)
        token = next_token
        if any(json.loads(line).get("Event") == "JobEnd" for line in page):
            return Progress(logs, token)
        if time.monotonic() > deadline:
            seen = [json.loads(line).get("Event") for line in logs]
            raise AssertionError(f"no JobEnd within {timeout:.0f} s; events so far: {seen}")
        time.sleep(0.05)


def check_progress_replay(env: TestEnv, job_id: str, progress: Progress) -> None:
    """Behaviours 71–73: token 0 replays everything, the last token returns nothing new."""
    for _ in range(2):
        logs, token = progress_page(env, job_id, "0")
        assert logs == progress.logs
        assert token == progress.token
        logs, token = progress_page(env, job_id, progress.token)
        assert logs == [] and token == progress.token


# Member order of each event (events.md §4): parsers must not care, the emulator follows it.
_TAIL = ["JobId", "Time", "CorrelationId", "Event"]
_COUNTERS = [
    "MigrationType", "MigrationDirection", "TotalRetryCount", "FilesCreated", "BytesProcessed", "ObjectsProcessed",
    "TotalExpectedSPObjects", "TotalErrors", "TotalWarnings", "WaitTimeOnSqlThrottlingMilliseconds",
    "TotalDurationInMs", "CpuDurationInMs", "SqlDurationInMs", "SqlQueryCount", "IsShallowCopy",
    "CreatedOrUpdatedFileStatsBySize", "ObjectsStatsByType", "TotalExpectedBytes",
    "FilesCreatedIrrespectiveOfVersions", "BytesProcessedOnlyCurrentVersion",
]
FIELD_ORDER = {
    "JobQueued": ["MigrationType", "MigrationDirection", "SiteId", "DbId", "TotalRetryCount"] + _TAIL,
    "JobStart": ["MigrationType", "MigrationDirection", "SiteId", "WebId", "DbId", "FarmId", "ServerId",
                 "SubscriptionId", "TotalRetryCount"] + _TAIL,
    "JobEnd": _COUNTERS + _TAIL,
    "JobProgress": _COUNTERS + ["LastSpObjectId"] + _TAIL,
}
_PROBLEM_HEAD = ["MigrationType", "MigrationDirection", "TotalRetryCount", "ObjectType", "Url", "Id"]
_PROBLEM_TAIL = ["ErrorCode", "ErrorType", "Message"] + _TAIL


def _expected_order(event: dict) -> list[str]:
    name = event["Event"]
    if name in ("JobError", "JobWarning", "JobFatalError"):
        ids = ["SourceListItemIntId", "TargetListItemIntId"] if "SourceListItemIntId" in event else []
        return _PROBLEM_HEAD + ids + _PROBLEM_TAIL
    order = FIELD_ORDER[name]
    if name == "JobProgress" and "LastSpObjectId" not in event:  # optional
        order = [k for k in order if k != "LastSpObjectId"]
    return order


def check_common_fields(events: list[dict], target: Target, job_id: str) -> None:
    """Behaviours 50, 53, 54, the member order of events.md §4, and the JobStart ids (44)."""
    for e in events:
        assert all(isinstance(v, str) for v in e.values()), f"every value must be a string: {e}"
        assert list(e) == _expected_order(e), f"member order of {e['Event']}: {list(e)}"
        assert e["JobId"] == job_id
        assert EVENT_TIME.match(e["Time"]), e["Time"]
        assert GUID.match(e["CorrelationId"]), e
        assert e["MigrationType"] == "None" and e["MigrationDirection"] == "Import", e
        assert e["TotalRetryCount"] == "0", e
    times = [dt.datetime.strptime(e["Time"], "%m/%d/%Y %H:%M:%S.%f") for e in events]
    assert times == sorted(times), [e["Time"] for e in events]
    starts = [e for e in events if e["Event"] == "JobStart"]
    assert len(starts) == 1
    assert starts[0]["WebId"] == target.web_id and starts[0]["SiteId"] == target.site_id, starts[0]
    assert events[0]["Event"] == "JobQueued" and events[0]["SiteId"] == target.site_id, events[0]
    # One processing attempt shares one correlation id (events.md §2.2).
    attempt = {e["CorrelationId"] for e in events if e["Event"] not in ("JobQueued", "JobPostponed", "JobProgress")}
    assert len(attempt) == 1, attempt


def event_sequence(events: list[dict]) -> list[str]:
    return [e["Event"] for e in events if e["Event"] != "JobProgress"]


def problems(events: list[dict]) -> str:
    """The warnings and errors of a stream, one per line, for assertion messages."""
    lines = [f"{e['Event']}: {problem_text(e)}" for e in events if e["Event"] in ("JobWarning", "JobError",
                                                                                "JobFatalError")]
    return "\n".join(lines[:10]) + (f"\n… and {len(lines) - 10} more" if len(lines) > 10 else "")


# ── Queue ──────────────────────────────────────────────────────────────────────────────


def queue_texts(storage: TestStorage, expected: int = 0, timeout: float = 5.0) -> list[str]:
    """All message texts of the report queue, oldest first, as stored (no decode policy).

    Waits until at least `expected` messages have arrived: the emulator stores an event for
    GetMigrationJobProgress a moment before it sends it to the queue, so a reader that saw
    JobEnd in the progress API can briefly find the queue one message short."""
    texts: list[str] = []
    queue = storage.queue()
    deadline = time.monotonic() + timeout
    while True:
        # Received messages stay invisible for the test's lifetime, so each is read once.
        batch = list(queue.receive_messages(messages_per_page=32, max_messages=32, visibility_timeout=600))
        texts.extend(m.content for m in batch)
        if not batch:
            if len(texts) >= expected or time.monotonic() > deadline:
                return texts
            time.sleep(0.05)


def decode_queue(texts: list[str], job_id: str, key: bytes | None) -> list[str]:
    """The plain event JSON of each message. Encrypted jobs: checks each envelope (67, 68)."""
    plain = []
    ivs = set()
    for text in texts:
        body = base64.b64decode(text, validate=True).decode("utf-8")
        if key is None:
            plain.append(body)
            continue
        envelope = json.loads(body)
        assert list(envelope) == ["Label", "JobId", "IV", "Content"], body
        assert envelope["Label"] == "Encrypted" and envelope["JobId"] == job_id, body
        assert len(base64.b64decode(envelope["IV"], validate=True)) == 16, body
        ivs.add(envelope["IV"])
        content = base64.b64decode(envelope["Content"], validate=True)
        assert len(content) % 16 == 0 and content, body
        plain.append(decrypt(content, key, envelope["IV"]).decode("utf-8"))
    if key is not None:
        assert len(ivs) == len(texts), "every message gets a fresh IV"
    return plain


# ── Logs ───────────────────────────────────────────────────────────────────────────────


def read_logs(storage: TestStorage, job_id: str, key: bytes | None, attempt: int = 1) -> dict[str, str]:
    """The job's log blobs at the manifest container's root, by extension, decrypted."""
    container = storage.manifest()
    prefix = f"Import-{job_id}-{attempt}"
    found = {}
    for item in container.list_blobs(name_starts_with=f"Import-{job_id}", include=["metadata"]):
        assert item.name.startswith(prefix + "."), f"unexpected log blob {item.name}"
        ext = item.name[len(prefix) + 1 :]
        data = container.get_blob_client(item.name).download_blob().readall()
        iv = blob_iv(item)
        if key is None:
            assert iv is None, f"{item.name} has an IV but the job is not encrypted"
        else:
            assert iv is not None, f"{item.name} has no IV metadata"
            assert len(base64.b64decode(iv)) == 16
            data = decrypt(data, key, iv)
        found[ext] = data.decode("utf-8")
    return found


def log_lines(text: str) -> list[tuple[str, str]]:
    """(category, text) of each line; checks the line grammar and CRLF endings (logs.md §5)."""
    assert text.endswith("\r\n"), repr(text[-40:])
    raw = text[:-2].split("\r\n")
    out = []
    for line in raw:
        assert "\n" not in line and "\r" not in line, repr(line)
        m = LOG_LINE.match(line)
        assert m, f"not a log line: {line!r}"
        out.append((m.group(2), m.group(3)))
    return out


def check_summary(lines: list[tuple[str, str]], errors: int, warnings: int, objects: str | None = None) -> None:
    """The summary lines of logs.md §5; `objects` is JobEnd's ObjectsProcessed."""
    texts = [t for c, t in lines if c == "Progress"]
    for prefix in ("Start Time: ", "Finish Time: ", "Duration: ", "Total Objects: "):
        assert any(t.startswith(prefix) for t in texts), f"no '{prefix}' summary line in {texts}"
    if objects is not None:
        assert f"Total Objects: {objects}" in texts, texts
    assert f"Finished with {warnings} warnings." in texts, texts
    assert f"Finished with {errors} errors." in texts, texts


def problem_text(event: dict) -> str:
    """The log text of a JobError/JobWarning/JobFatalError event."""
    return (
        f"[{event['ObjectType']}] [{event['Url']}] [{event['Id']}] [{event['ErrorCode']}] "
        f"[{event['ErrorType']}] {event['Message']}"
    )


# ── Read-back ──────────────────────────────────────────────────────────────────────────

VERSION_ID = re.compile(r"^(\d+)\.(\d+)$")


def version_id(label: str) -> int:
    """SharePoint's version id: 512 × major + minor."""
    m = VERSION_ID.match(label)
    assert m, label
    return int(m.group(1)) * 512 + int(m.group(2))


def check_file_imported(env: TestEnv, built: BuiltPackage, spec: FileSpec) -> None:
    """One file as SharePoint REST shows it: properties, body, history, item fields."""
    url = env.target.file_url(spec.path)
    api = file_api(url)
    rest = env.rest
    # The body through the client's own download call.
    file = env.ctx.web.get_file_by_server_relative_url(url)
    body = file.get_content().execute_query().value
    assert body == spec.current, f"{url}: body differs ({len(body)} bytes, expected {len(spec.current)})"
    props = rest.json(api)
    assert props["UniqueId"] == built.file_ids[spec.path], (url, props["UniqueId"])  # behaviour 114
    assert props["ServerRelativeUrl"] == url, props
    assert props["Name"] == spec.path.rsplit("/", 1)[-1], props
    assert int(props["Length"]) == len(spec.current), props
    assert props["UIVersionLabel"] == spec.current_label, props
    # Versions: the earlier ones, oldest first, each with its own bytes (behaviour 120).
    history = rest.json(f"{api}/Versions")["value"]
    assert [v["VersionLabel"] for v in history] == [label for label, _ in spec.versions[:-1]], (url, history)
    for (label, data), v in zip(spec.versions[:-1], history):
        assert v["ID"] == version_id(label), v
        assert int(v["Size"]) == len(data), v
        assert rest.bytes(f"{api}/Versions({v['ID']})/$value") == data, f"{url} version {label}"
    # The item and its fields (behaviour 122).
    item = rest.json(f"{api}/ListItemAllFields")
    assert item["Title"] == spec.expected_title, (url, item.get("Title"))
    assert item["Id"] == built.item_ids[spec.path], (url, item["Id"])  # behaviour 114
    assert item["GUID"] == built.item_guid(spec.path), (url, item["GUID"])
    # Dates as given (behaviour 121).
    if spec.created:
        assert (props["TimeCreated"], item["Created"]) == (spec.created, spec.created), (url, props, item)
    if spec.modified:
        assert (props["TimeLastModified"], item["Modified"]) == (spec.modified, spec.modified), (url, props, item)


def check_folders_imported(env: TestEnv, built: BuiltPackage) -> None:
    for path, folder_id in built.folder_ids.items():
        url = env.target.file_url(path)
        literal = quote(url.replace("'", "''"), safe="/")
        folder = env.rest.json(f"_api/web/GetFolderByServerRelativeUrl('{literal}')")
        assert folder["UniqueId"] == folder_id, (url, folder)
        assert folder["ServerRelativeUrl"] == url, folder


def check_file_absent(env: TestEnv, spec: FileSpec) -> None:
    r = env.rest.get(file_api(env.target.file_url(spec.path)))
    assert r.status_code == 404, f"{spec.path} should not exist: {r.status_code} {r.text[:300]}"


def job_status(env: TestEnv, job_id: str) -> int:
    return int(env.ctx.site.get_migration_job_status(job_id).execute_query().value)


def maintenance_log(env: TestEnv, name: str) -> bytes:
    """The copy of a log file in the site's Maintenance Logs library (behaviour 162)."""
    site = env.target.web_url.rstrip("/")
    return env.rest.bytes(file_api(f"{site}/_catalogs/Maintenance Logs/{name}") + "/$value")


def split_queue(texts: list[str]) -> dict[str, list[str]]:
    """Message texts by job: plain events and encrypted envelopes both carry JobId in clear."""
    by_job: dict[str, list[str]] = {}
    for text in texts:
        job_id = json.loads(base64.b64decode(text, validate=True))["JobId"]
        by_job.setdefault(job_id, []).append(text)
    return by_job
