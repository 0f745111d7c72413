"""Permissions through a real client: Office365-REST-Python-Client's PackageBuilder writes a
UserGroup.xml group, a DeploymentRoles level and a DeploymentRoleAssignments scope on a file;
the same client's REST model reads the group, the level and the file's role assignments back
(behaviours 155, 156)."""

from __future__ import annotations

import json
import uuid

from office365.migration.package import BlobStaging, PackageBuilder

import helpers as h


def test_b155_b156_a_client_package_grants_a_group_and_a_custom_level_on_a_file(env):
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
    group_name, level = f"Reviewers {env.tag}", f"Reviewer {env.tag}"
    group = builder.add_group(group_name, description="Reviews reports", owner=ada, members=[ada])
    path = f"Secured {env.tag}/report.txt"
    file_id = builder.add_file(path, b"a report only reviewers see", list_item_int_id=next(h._item_ids))
    builder.add_role("200", level, "756052856929")
    builder.add_role_assignment(
        object_id=file_id,
        object_url=builder.item_url(path),
        role_def_web_id=t.web_id,
        role_def_web_url=t.web_url,
        assignments=[("200", ada), ("1073741827", group)],
    )
    package = builder.build()
    BlobStaging(env.storage.staging_content_url, env.storage.staging_manifest_url).stage(package)

    progress = h.follow(env, h.submit(env))
    assert h.event_sequence(progress.events) == ["JobQueued", "JobStart", "JobEnd"], h.problems(progress.events)
    stats = json.loads(progress.of("JobEnd")[0]["ObjectsStatsByType"])
    assert stats["SPGroup"]["Count"] == 1, stats
    assert stats["DeploymentRoleAssignments"]["Count"] == 1, stats

    ctx = env.ctx
    groups = ctx.web.site_groups.get().execute_query()
    reviewers = next(g for g in groups if g.title == group_name)
    assert reviewers.properties["OwnerTitle"] == f"Ada {env.tag}"
    members = reviewers.users.get().execute_query()
    assert [u.title for u in members] == [f"Ada {env.tag}"]

    definitions = ctx.web.role_definitions.get().execute_query()
    custom = next(d for d in definitions if d.name == level)
    assert custom.properties["BasePermissions"].High == 176  # 756052856929 = 176 << 32 | 138612833
    assert custom.properties["BasePermissions"].Low == 138612833

    item = ctx.web.get_file_by_server_relative_url(t.file_url(path)).listItemAllFields
    item.get().select(["HasUniqueRoleAssignments"]).execute_query()
    assert item.has_unique_role_assignments is True
    assignments = item.role_assignments.get().expand(["Member", "RoleDefinitionBindings"]).execute_query()
    granted = sorted(
        (a.member.properties["Title"], [d.name for d in a.role_definition_bindings]) for a in assignments
    )
    assert granted == sorted([(f"Ada {env.tag}", [level]), (group_name, ["Contribute"])]), granted

    # The library itself still inherits from the web.
    library = ctx.web.lists.get_by_title(t.list_title)
    library.get().select(["HasUniqueRoleAssignments"]).execute_query()
    assert library.has_unique_role_assignments is False
