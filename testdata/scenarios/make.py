"""Writes the scenario packages of this folder from testdata/packages/base: packages whose
edits would be too long to spell out in a scenario file. Run from anywhere with python3."""

import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = os.path.join(HERE, "..", "packages", "base")
WEB = "40fdc1f3-80b3-550d-bbc7-da81b0a2f205"
HELLO = "70b90168-b920-5c63-8887-fce28de56b5e"
READ = "1073741826"


def package(name, edits):
    """The base package copied to `name`, each (file, old, new) edit applied once."""
    out = os.path.join(HERE, name)
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(BASE, out)
    for file, old, new in edits:
        path = os.path.join(out, file)
        text = open(path, encoding="utf-8").read()
        assert text.count(old) == 1, (name, file, old)
        open(path, "w", encoding="utf-8", newline="").write(text.replace(old, new))


# Behaviour 157: 5,001 users granted Read on hello.txt, one more than a scope may have.
users = "".join(
    f'    <User Id="{i}" Name="User {i}" Login="i:0#.f|membership|u{i}@contoso.com" />\n' for i in range(2, 5003)
)
grants = "".join(f'<Assignment RoleId="{READ}" PrincipalId="{i}" />\n' for i in range(2, 5003))
package(
    "b157-5001-grants-on-one-file",
    [
        ("ExportSettings.xml", 'IncludeSecurity="None"', 'IncludeSecurity="All"'),
        ("UserGroup.xml", "  </Users>", users + "  </Users>"),
        (
            "Manifest.xml",
            "</SPObjects>",
            f'  <SPObject Id="5e1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a57" ObjectType="DeploymentRoleAssignments" '
            f'ParentId="{WEB}" ParentWebId="{WEB}" ParentWebUrl="/sites/dev"><RoleAssignments>\n'
            f'<RoleAssignment ScopeId="{HELLO}" RoleDefWebId="{WEB}" RoleDefWebUrl="/sites/dev" ObjectId="{HELLO}" '
            f'ObjectType="2" ObjectUrl="Shared Documents/Corpus/hello.txt" AnonymousPermMask="0">\n'
            f"{grants}</RoleAssignment>\n</RoleAssignments></SPObject>\n</SPObjects>",
        ),
    ],
)

# Behaviour 158: hello.txt's item shared with Robert 1,001 times in one day.
members = "".join('<SharedWithMember SharedWithId="1" />\n' for _ in range(1001))
package(
    "b158-shared-with-one-user-1001-times",
    [
        (
            "Manifest.xml",
            '<Field Name="Title" Value="Hello" Type="Text" />\n      </Fields>',
            '<Field Name="Title" Value="Hello" Type="Text" />\n      </Fields>\n'
            '      <SharedWithEvents><SharedWithEvent SharedTime="2018-10-29T04:06:09.1385321Z" SharingInitiatorId="1" '
            f'SharedById="1"><SharedWithMembers>\n{members}</SharedWithMembers></SharedWithEvent></SharedWithEvents>',
        )
    ],
)
