"""Import semantics through a real client: Office365-REST-Python-Client's PackageBuilder writes
users, a group, versions, a DeploymentRoles level and a DeploymentRoleAssignments scope on a
file; the same client's REST model reads versions, authors, the group, the level and the file's
role assignments back, and JobEnd's counters match what the test put in the package."""

from __future__ import annotations

import json
import uuid

from office365.migration.package import BlobStaging, PackageBuilder

import helpers as h


def test_b104_b120_b121_b155_b156_a_client_package_with_versions_users_groups_and_roles(env):
    t = env.target
    builder = PackageBuilder(
        t.site_url,
        web_id=t.web_id,
        web_url=t.web_url,
        list_id=t.list_id,
        list_title=t.list_title,
        list_url=t.list_url,
        root_folder_id=t.root_folder_id,
        namespace=uuid.uuid4(),
    )
    builder.set_include_security("All")
    ada = builder.add_user(f"i:0#.f|membership|ada.{env.tag}@contoso.com", name=f"Ada {env.tag}")
    bob = builder.add_user(f"i:0#.f|membership|bob.{env.tag}@contoso.com", name=f"Bob {env.tag}")
    group_name, level = f"Reviewers {env.tag}", f"Reviewer {env.tag}"
    group = builder.add_group(group_name, description="Reviews reports", owner=ada, members=[ada, bob])
    # A report written by Ada in two versions, last changed by Bob; a memo in one version.
    report, memo = f"Secured {env.tag}/report.txt", f"Secured {env.tag}/memo.txt"
    first, current, memo_body = b"draft of the report", b"the report only reviewers see, final", b"memo"
    report_id = builder.add_file(
        report, current, version="2.0", versions=[("1.0", first)], author=str(ada), editor=str(bob),
        list_item_int_id=next(h._item_ids),
    )
    builder.add_file(memo, memo_body, author=str(bob), editor=str(bob), list_item_int_id=next(h._item_ids))
    builder.add_role("200", level, "756052856929")
    builder.add_role_assignment(
        object_id=report_id,
        object_url=builder.item_url(report),
        role_def_web_id=t.web_id,
        role_def_web_url=t.web_url,
        assignments=[("200", ada), ("1073741827", group)],
    )
    package = builder.build()
    BlobStaging(env.storage.staging_content_url, env.storage.staging_manifest_url).stage(package)

    progress = h.follow(env, h.submit(env))
    assert h.event_sequence(progress.events) == ["JobQueued", "JobStart", "JobEnd"], h.problems(progress.events)

    # The counters, from what the test itself put in the package (behaviours 61-63).
    end = progress.of("JobEnd")[0]
    blobs = package.blobs()
    objects = blobs["Manifest.xml"].count(b"<SPObject ")
    users = blobs["UserGroup.xml"].count(b"<User ")
    groups = blobs["UserGroup.xml"].count(b"<Group ")
    counters = {name: end[name] for name in (
        "FilesCreated", "FilesCreatedIrrespectiveOfVersions", "BytesProcessed", "BytesProcessedOnlyCurrentVersion",
        "TotalExpectedSPObjects", "ObjectsProcessed", "TotalErrors", "TotalWarnings")}
    assert counters == {
        "FilesCreated": "3",  # every version counts
        "FilesCreatedIrrespectiveOfVersions": "2",
        "BytesProcessed": str(len(first) + len(current) + len(memo_body)),
        "BytesProcessedOnlyCurrentVersion": str(len(current) + len(memo_body)),
        "TotalExpectedSPObjects": str(objects + users + groups),
        "ObjectsProcessed": str(objects + users + groups),
        "TotalErrors": "0",
        "TotalWarnings": "0",
    }, counters
    stats = json.loads(end["ObjectsStatsByType"])
    assert (stats["SPUser"]["Count"], stats["SPGroup"]["Count"], stats["SPFile"]["Count"]) == (2, 1, 2), stats
    assert (stats["SPFile"]["AccumulatedVersions"], stats["SPFile"]["ObjectsWithVersions"]) == (2, 1), stats
    assert stats["DeploymentRoleAssignments"]["Count"] == 1, stats

    ctx = env.ctx
    # Versions and people (behaviours 104, 120, 121).
    file = ctx.web.get_file_by_server_relative_url(t.file_url(report))
    file.expand(["Author", "ModifiedBy"]).get().execute_query()
    assert file.properties["UIVersionLabel"] == "2.0"
    assert (file.author.properties["Title"], file.modified_by.properties["Title"]) == (f"Ada {env.tag}", f"Bob {env.tag}")
    history = file.versions.get().execute_query()
    assert [v.properties["VersionLabel"] for v in history] == ["1.0"]
    assert env.rest.bytes(h.file_api(t.file_url(report)) + "/$value") == current
    assert env.rest.bytes(h.file_api(t.file_url(report)) + "/Versions(512)/$value") == first

    # Groups with owner and members (behaviour 156).
    groups_found = ctx.web.site_groups.get().execute_query()
    reviewers = next(g for g in groups_found if g.title == group_name)
    assert reviewers.properties["OwnerTitle"] == f"Ada {env.tag}"
    members = reviewers.users.get().execute_query()
    assert sorted(u.title for u in members) == [f"Ada {env.tag}", f"Bob {env.tag}"]

    definitions = ctx.web.role_definitions.get().execute_query()
    custom = next(d for d in definitions if d.name == level)
    assert custom.properties["BasePermissions"].High == 176  # 756052856929 = 176 << 32 | 138612833
    assert custom.properties["BasePermissions"].Low == 138612833

    # Unique permissions on the report only (behaviour 155).
    item = file.listItemAllFields
    item.get().select(["HasUniqueRoleAssignments"]).execute_query()
    assert item.has_unique_role_assignments is True
    assignments = item.role_assignments.get().expand(["Member", "RoleDefinitionBindings"]).execute_query()
    granted = sorted(
        (a.member.properties["Title"], [d.name for d in a.role_definition_bindings]) for a in assignments
    )
    assert granted == sorted([(f"Ada {env.tag}", [level]), (group_name, ["Contribute"])]), granted
    memo_item = ctx.web.get_file_by_server_relative_url(t.file_url(memo)).listItemAllFields
    memo_item.get().select(["HasUniqueRoleAssignments"]).execute_query()
    assert memo_item.has_unique_role_assignments is False

    # The library itself still inherits from the web.
    library = ctx.web.lists.get_by_title(t.list_title)
    library.get().select(["HasUniqueRoleAssignments"]).execute_query()
    assert library.has_unique_role_assignments is False
