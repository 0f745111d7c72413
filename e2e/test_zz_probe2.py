import os, json, time, uuid
import pytest
import helpers as h


def test_probe_overwrite(env):
    ns = uuid.uuid4()
    spec = h.small_package(env.tag)
    built = h.build_package(env.target, spec, ns); h.stage(env.storage, built, None)
    p = h.follow(env, h.submit(env)); assert h.event_sequence(p.events) == ["JobQueued","JobStart","JobEnd"]
    h._item_ids = __import__("itertools").count(next(h._item_ids) - len(spec.files))
    v = spec.files[-1]; v.versions = [("1.0", b"one"), ("2.0", b"two"), ("3.0", b"three")]
    spec.files[0].versions = [("1.0", b"new content of file0")]
    spec.files[0].title = "New title"
    built2 = h.build_package(env.target, spec, ns)
    assert built2.file_ids == built.file_ids
    h.stage(env.storage, built2, None)
    p = h.follow(env, h.submit(env)); print(h.problems(p.events))
    assert h.event_sequence(p.events) == ["JobQueued","JobStart","JobEnd"], h.problems(p.events)
    for f in spec.files: h.check_file_imported(env, built2, f)


def test_probe_minor_versions_and_big(env):
    key = os.urandom(32)
    big = os.urandom(5 * 1024 * 1024 + 17)
    spec = h.PackageSpec([f"M {env.tag}"], [
        h.FileSpec(f"M {env.tag}/minor.txt", [("0.1", b"a"), ("0.2", b"bb"), ("1.0", b"ccc")], "Minor"),
        h.FileSpec(f"M {env.tag}/big.bin", [("1.0", big[:-1000]), ("2.0", big)], "Big"),
        h.FileSpec(f"M {env.tag}/esc.txt", [("1.0", b"e")], "a <b> & \"c\" 'd' \u00e9\u4e2d\U0001F600"),
    ])
    built = h.build_package(env.target, spec); h.stage(env.storage, built, key)
    p = h.follow(env, h.submit(env, key)); print(h.problems(p.events))
    assert h.event_sequence(p.events) == ["JobQueued","JobStart","JobEnd"], h.problems(p.events)
    for f in spec.files: h.check_file_imported(env, built, f)


def test_probe_special_names(env):
    spec = h.PackageSpec([f"S {env.tag}"], [
        h.FileSpec(f"S {env.tag}/100% done #1.txt", [("1.0", b"pct")], "pct"),
        h.FileSpec(f"S {env.tag}/Case.txt", [("1.0", b"upper")], "upper"),
        h.FileSpec(f"S {env.tag}/case.txt", [("1.0", b"lower")], "lower"),
    ])
    built = h.build_package(env.target, spec); h.stage(env.storage, built, None)
    p = h.follow(env, h.submit(env)); print(h.event_sequence(p.events)); print(h.problems(p.events))
    from urllib.parse import quote
    url = env.target.file_url(spec.files[0].path)
    r = env.rest.get("_api/web/GetFileByServerRelativePath(decodedurl='" + quote(url, safe="/") + "')/$value")
    print("pct", r.status_code, r.content[:50])
    r = env.rest.get(h.file_api(env.target.file_url(spec.files[1].path)) + "/$value"); print("Case", r.status_code, r.content[:50])
    r = env.rest.get(h.file_api(env.target.file_url(spec.files[2].path)) + "/$value"); print("case", r.status_code, r.content[:50])
    r = env.rest.get(h.file_api(env.target.file_url(spec.files[2].path).upper())); print("UPPER", r.status_code, r.text[:200])


def test_probe_times_and_users(env):
    from office365.migration.package import PackageBuilder
    t = env.target
    b = PackageBuilder(t.site_url, web_id=t.web_id, web_url=t.web_url, list_id=t.list_id, list_title=t.list_title,
                       list_url=t.list_url, root_folder_id=t.root_folder_id, namespace=uuid.uuid4())
    u1 = b.add_user("i:0#.f|membership|ghost@contoso.com", name="Ghost", email="ghost@contoso.com")
    u2 = b.add_user("i:0#.f|membership|old@contoso.com", name="Old", email="old@contoso.com", system_id="100320009F0A1B2C")
    folder = f"T {env.tag}"
    b.add_folder(folder, time_created="2020-01-02T03:04:05Z", time_last_modified="2020-02-03T04:05:06Z", author=str(u1), editor=str(u2))
    fid = b.add_file(f"{folder}/t.txt", b"time", time_created="2021-01-02T03:04:05Z", time_last_modified="2021-02-03T04:05:06Z",
               author=str(u1), editor=str(u2), list_item_int_id=next(h._item_ids))
    pkg = b.build()
    from office365.migration.package import BlobStaging
    BlobStaging(env.storage.staging_content_url, env.storage.staging_manifest_url).stage(pkg)
    p = h.follow(env, h.submit(env)); print(h.event_sequence(p.events)); print(h.problems(p.events))
    api = h.file_api(t.file_url(f"{folder}/t.txt"))
    f = env.rest.json(api); print({k: f[k] for k in f if "Time" in k})
    it = env.rest.json(api + "/ListItemAllFields"); print({k: it[k] for k in it if k in ("Created","Modified","AuthorId","EditorId")})
    print(env.rest.get(api + "/Author").text[:300]); print(env.rest.get(api + "/ModifiedBy").text[:300])


def test_probe_get_progress_get(env):
    built = h.build_package(env.target, h.small_package(env.tag)); h.stage(env.storage, built, None)
    job = h.submit(env); h.follow(env, job)
    r = env.rest.get(f"_api/site/GetMigrationJobProgress(jobId='{job}',nextToken=0)")
    print(r.status_code, r.text[:300])
    r = env.rest.http.get(f"{env.rest.site_url}/_api/site/GetMigrationJobProgress(jobId='{job}',nextToken='0')", headers={"Accept": "application/json;odata=verbose"})
    print(r.status_code, r.text[:300])
