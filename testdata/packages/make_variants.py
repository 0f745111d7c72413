#!/usr/bin/env python3
"""Regenerates testdata/packages/variants/ from base/: one variant per package rule, each with
its variant.toml. Run it from the repository root with the e2e virtualenv's Python (it needs
`cryptography` for the encrypted variants): .venv/bin/python testdata/packages/make_variants.py

Encrypted variants use a fixed key and IVs derived from file names, so the output is the same
on every run."""
import os, re, shutil, base64, hashlib, io, zipfile
HERE = os.path.dirname(os.path.abspath(__file__))
BASE = os.path.join(HERE, "base")
OUT = os.path.join(HERE, "variants")
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)
def read(name): return open(os.path.join(BASE, name), encoding="utf-8").read()
A = "70b90168-b920-5c63-8887-fce28de56b5e"
F = "2272421a-6a5a-504e-88f8-909dbc49c0f9"
L = "8f26c712-bad1-56aa-82b1-15eae82834ec"
W = "40fdc1f3-80b3-550d-bbc7-da81b0a2f205"
SCHEMA = "[System.Xml.Schema.XmlSchemaValidationException] [{}]"

def toml_str(s): return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'

def variant(name, description, files=None, remove=(), expect=None, live=None, offline=True, stage=None, sourcetype_mode=None, readback=None):
    d = os.path.join(OUT, name); os.makedirs(d)
    for fname, text in (files or {}).items():
        path = os.path.join(d, fname); os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(text, bytes): open(path, "wb").write(text)
        else: open(path, "w", encoding="utf-8").write(text)
    lines = [f"description = {toml_str(description)}"]
    if remove: lines.append("remove = [" + ", ".join(toml_str(r) for r in remove) + "]")
    if not offline: lines.append("offline = false")
    if stage: lines.append(f"stage_content_md5 = {str(stage['content_md5']).lower()}")
    if sourcetype_mode: lines.append(f"sourcetype_mode = {toml_str(sourcetype_mode)}")
    def section(title, e):
        out = ["", f"[{title}]"]
        for k in ("severity", "behaviour", "file", "message"):
            if k in e:
                v = e[k]
                out.append(f"{k} = {v}" if isinstance(v, int) else f"{k} = {toml_str(v)}")
        return out
    if expect: lines += section("finding", expect)
    if live: lines += section("live", live)
    if readback:
        lines += ["", "[readback]"] + [f"{toml_str(url)} = {toml_str(path)}" for url, path in readback.items()]
    open(os.path.join(d, "variant.toml"), "w").write("\n".join(lines) + "\n")

manifest = read("Manifest.xml"); export = read("ExportSettings.xml"); system = read("SystemData.xml"); users = read("UserGroup.xml"); roots = read("RootObjectMap.xml")
file_a = f'FileValue="00000000.dat"'

variant("valid", "The base package as it is: nothing to report.")
variant("b79-missing-export-settings", "ExportSettings.xml is not in the manifest container.", remove=["ExportSettings.xml"],
        expect=dict(severity="fatal", behaviour=79, file="ExportSettings.xml", message="ExportSettings.xml was not found in the manifest container."))
variant("b80-missing-lookup-list-map", "LookupListMap.xml is left out.", remove=["LookupListMap.xml"],
        expect=dict(severity="warning", behaviour=80, file="LookupListMap.xml", message="LookupListMap.xml was not found in the manifest container."))
variant("b82-datetime-with-a-space", "A File's TimeCreated has a space where xs:dateTime wants a T.",
        files={"Manifest.xml": manifest.replace('Name="hello.txt" ListItemIntId="9001" ListId="'+L+'" ParentId="'+F+'" TimeCreated="2024-03-01T10:00:00"', 'Name="hello.txt" ListItemIntId="9001" ListId="'+L+'" ParentId="'+F+'" TimeCreated="2024-03-01 10:00:00"', 1)},
        expect=dict(severity="fatal", behaviour=82, file="Manifest.xml", message=SCHEMA.format("The 'TimeCreated' attribute is invalid - The value '2024-03-01 10:00:00' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:dateTime' - The string '2024-03-01 10:00:00' is not a valid DateTime value.")))
library = f'  <SPObject Id="{L}" ObjectType="SPDocumentLibrary" ParentId="{W}" ParentWebId="{W}" ParentWebUrl="/sites/dev" Url="/sites/dev/Shared Documents">\n    <DocumentLibrary Id="{L}" BaseTemplate="DocumentLibrary" ParentWebId="{W}" RootFolderId="6aaf4960-ff1f-566f-af42-ea4451d3b961" RootFolderUrl="/sites/dev/Shared Documents" Title="Documents" Description="Exported by AMR" BaseType="DocumentLibrary" />\n  </SPObject>\n'
variant("b83-library-with-description", "A DocumentLibrary carries Description, as AMR output does.",
        files={"Manifest.xml": manifest.replace('<SPObjects xmlns="urn:deployment-manifest-schema">\n', '<SPObjects xmlns="urn:deployment-manifest-schema">\n' + library, 1)},
        expect=dict(severity="fatal", behaviour=83, file="Manifest.xml", message=SCHEMA.format("The 'Description' attribute is not declared.")))
variant("b84-file-with-extra-attributes", "A File carries ScopeId and Level, which its anyAttribute admits.",
        files={"Manifest.xml": manifest.replace(file_a, file_a + ' ScopeId="{aa}" Level="1"', 1)})
variant("b85-folder-with-undeclared-attribute", "A Folder carries an attribute its type does not declare.",
        files={"Manifest.xml": manifest.replace('Name="Corpus"', 'Name="Corpus" Hidden="false"', 1)},
        expect=dict(severity="fatal", behaviour=85, file="Manifest.xml", message=SCHEMA.format("The 'Hidden' attribute is not declared.")))
web = f'  <SPObject Id="{W}" ObjectType="SPFolder" ParentWebId="{W}">\n    <Web Id="{W}" Url="/sites/dev" />\n  </SPObject>\n'
ns = "urn:deployment-manifest-schema"
variant("b86-spobject-with-a-web", "An SPObject wraps a Web, which only the 2013 schema has.",
        files={"Manifest.xml": manifest.replace('<SPObjects xmlns="urn:deployment-manifest-schema">\n', '<SPObjects xmlns="urn:deployment-manifest-schema">\n' + web, 1)},
        expect=dict(severity="fatal", behaviour=86, file="Manifest.xml", message=SCHEMA.format(f"The element 'SPObject' in namespace '{ns}' has invalid child element 'Web' in namespace '{ns}'. List of possible elements expected: 'List, DocumentLibrary, ListItem, Folder, File, ContentType, UserX, GroupX, Roles, RoleX, RoleAssignments, RoleAssignmentX' in namespace '{ns}'.")))
variant("b87-export-settings-extras", "ExportSettings carries DetailedSource and IgnoreWebParts through its anyAttribute.",
        files={"ExportSettings.xml": export.replace('SourceType="FileShare"', 'SourceType="FileShare" DetailedSource="corpus" IgnoreWebParts="true"', 1)})
variant("b88-deployment-object-of-type-web", "A DeploymentObject has Type=\"Web\", outside the constrained enumeration.",
        files={"ExportSettings.xml": export.replace('Type="List"', 'Type="Web"', 1)},
        expect=dict(severity="fatal", behaviour=88, file="ExportSettings.xml", message=SCHEMA.format("The 'Type' attribute is invalid - The value 'Web' is invalid according to its datatype 'urn:deployment-exportsettings-schema:SPDeploymentObjectType' - The Enumeration constraint failed.")))
variant("b89-export-settings-without-site-url", "ExportSettings has no SiteUrl.",
        files={"ExportSettings.xml": export.replace(' SiteUrl="http://fileshare/sites/corpus"', '', 1)},
        expect=dict(severity="fatal", behaviour=89, file="ExportSettings.xml", message=SCHEMA.format("The required attribute 'SiteUrl' is missing.")))
variant("b90-truncated-manifest", "Manifest.xml stops in the middle of an element.",
        files={"Manifest.xml": manifest[:manifest.index("<SPObject Id=\"" + A)] + "<SPObject Id=\"" + A + "\" ObjectType=\"SPFile\""},
        expect=dict(severity="fatal", behaviour=90, file="Manifest.xml", message="[System.Xml.XmlException] [Unexpected end of file has occurred. The following elements are not closed: SPObjects. Line 6, position 74.]"))
variant("b91-file-with-web-parts", "A File carries WebParts after its Versions, as the web part migration documents.",
        files={"Manifest.xml": manifest.replace('      </Versions>\n    </File>', '      </Versions>\n      <WebParts>\n        <WebPart Name="3c4a1b2d-0f1e-4a5b-8c7d-6e5f4a3b2c1d" WebPartZoneID="Main" WebPartOrder="1" />\n      </WebParts>\n    </File>', 1)})
variant("b92-encoded-attributes-on-a-folder", "A Folder carries AMR's EncodedAttributes, which the import does not decode.",
        files={"Manifest.xml": manifest.replace('Name="Corpus"', 'Name="Corpus" EncodedAttributes="Url"', 1)},
        expect=dict(severity="fatal", behaviour=92, file="Manifest.xml", message=SCHEMA.format("The 'EncodedAttributes' attribute is not declared.")))
variant("b93-no-source-type", "ExportSettings has no SourceType.",
        files={"ExportSettings.xml": export.replace(' SourceType="FileShare"', '', 1)},
        expect=dict(severity="fatal", behaviour=93, file="ExportSettings.xml", message="ExportSettings.xml does not specify a SourceType."))
variant("b94-no-source-type-in-warn-mode", "ExportSettings has no SourceType, and the emulator runs with --sourcetype-mode warn.",
        files={"ExportSettings.xml": export.replace(' SourceType="FileShare"', '', 1)}, sourcetype_mode="warn",
        expect=dict(severity="warning", behaviour=94, file="ExportSettings.xml", message="ExportSettings.xml does not specify a SourceType."))
variant("b95-unknown-source-type", "SourceType is spelled in the wrong case.",
        files={"ExportSettings.xml": export.replace('SourceType="FileShare"', 'SourceType="Fileshare"', 1)},
        expect=dict(severity="fatal", behaviour=95, file="ExportSettings.xml", message="The SourceType 'Fileshare' is not supported."))
variant("b96-other-without-detailed-source", "SourceType is Other, with no DetailedSource.",
        files={"ExportSettings.xml": export.replace('SourceType="FileShare"', 'SourceType="Other"', 1)},
        expect=dict(severity="warning", behaviour=96, file="ExportSettings.xml", message="SourceType is 'Other' but no DetailedSource is given."))
variant("b98-unlisted-manifest-is-ignored", "A second manifest, not listed in SystemData.xml (and broken), is never read.",
        files={"Manifest2.xml": "this is not XML"})
variant("b99-listed-manifest-missing", "SystemData.xml lists a manifest the container does not have.",
        files={"SystemData.xml": system.replace('<ManifestFile Name="Manifest.xml" />', '<ManifestFile Name="Manifest.xml" />\n    <ManifestFile Name="Manifest2.xml" />', 1)},
        expect=dict(severity="fatal", behaviour=99, file="Manifest2.xml", message="Manifest2.xml was not found in the manifest container."))
variant("b102-no-root-object-map", "RootObjectMap.xml is left out, as the current documentation allows.", remove=["RootObjectMap.xml"],
        readback={"/sites/dev/Shared Documents/Corpus/hello.txt": "content/00000000.dat"})
other = "5f0f3c7a-1111-4b2b-9c9c-0123456789ab"
variant("b103-root-object-of-another-list", "RootObjectMap.xml names a list that is neither in the manifest nor in the target web.",
        files={"RootObjectMap.xml": roots.replace(f'Id="{L}"', f'Id="{other}"', 1)},
        expect=dict(severity="warning", behaviour=103, file="RootObjectMap.xml", message=f"The root object {other} does not match the manifest."),
        live=dict(severity="fatal", behaviour=103, message=f"The root object {other} does not exist in the target web /sites/dev."))
variant("b108-one-person-twice", "UserGroup.xml lists the same account under two ids.",
        files={"UserGroup.xml": users.replace('  </Users>', '    <User Id="2" Name="Robert (again)" Login="i:0#.f|membership|Robert@Contoso.com" IsSiteAdmin="false" IsDeleted="false" IsDomainGroup="false" />\n  </Users>', 1)},
        expect=dict(severity="fatal", behaviour=108, file="UserGroup.xml", message="Duplicate user entries were found for 'robert@contoso.com' (users '1' and '2')."))
variant("b110-no-users", "UserGroup.xml lists no users.",
        files={"UserGroup.xml": re.sub(r"<Users>.*</Users>", "<Users />", users, flags=re.S)},
        expect=dict(severity="warning", behaviour=110, file="UserGroup.xml", message="UserGroup.xml lists no users; authors and security information cannot be set."))
robert = 'Login="i:0#.f|membership|robert@contoso.com"'
variant("b105-unresolvable-login", "A user's login is a Windows account, which no cloud tenant resolves, and there is no SystemId.",
        files={"UserGroup.xml": users.replace(robert, 'Login="i:0#.w|contoso\\ghost"', 1)}, offline=False,
        live=dict(severity="warning", behaviour=105, file="UserGroup.xml", message="Failed to ensure user 'contoso\\ghost'"))
variant("b106-unresolvable-login-with-system-id", "A user's login does not resolve, but the User carries a SystemId.",
        files={"UserGroup.xml": users.replace(robert, 'Login="i:0#.w|contoso\\ghost" SystemId="AQUAAAAAAAUVAAAAXSj1f9U62DVDVOAqToYSAA=="', 1)}, offline=False,
        live=dict(severity="warning", behaviour=106, file="UserGroup.xml", message="Failed to retrieve user 'contoso\\ghost' attributes from the SiteUsers; falling back to passed in values"))
variant("b107-deleted-user-is-not-looked-up", "A user marked IsDeleted has a login nobody could resolve; it is taken as given, without a warning.",
        files={"UserGroup.xml": users.replace(robert, 'Login="i:0#.w|contoso\\ghost"', 1).replace('IsDeleted="false"', 'IsDeleted="true"', 1)}, offline=False,
        readback={"/sites/dev/Shared Documents/Corpus/hello.txt": "content/00000000.dat"})
variant("b109-login-not-a-upn-claim", "A user's login is a bare e-mail address rather than a UPN claim.",
        files={"UserGroup.xml": users.replace(robert, 'Login="robert@contoso.com"', 1)},
        expect=dict(severity="advice", behaviour=109, file="UserGroup.xml", message="User '1' has the login 'robert@contoso.com', which is not a UPN claim (i:0#.f|membership|name@domain); the service accepts it but may resolve it to the wrong account or to none."))
variant("b111-author-not-in-user-group", "A file names an Author id that UserGroup.xml does not define.",
        files={"Manifest.xml": manifest.replace(file_a + ' FileSize="23" MD5Hash="/r2Odh0s2KZZyD+3hf8X4A==" Author="1"', file_a + ' FileSize="23" MD5Hash="/r2Odh0s2KZZyD+3hf8X4A==" Author="7"', 1)}, offline=False,
        live=dict(severity="warning", behaviour=111, file="Manifest.xml", message="The user id '7' is not defined in UserGroup.xml; System Account is used instead."))
objs = re.findall(r"  <SPObject .*?</SPObject>\n", manifest, flags=re.S)
reordered = manifest.replace("".join(objs), objs[1] + objs[0] + "".join(objs[2:]), 1)
variant("b124-file-before-its-folder", "A file comes before the folder that holds it.",
        files={"Manifest.xml": reordered},
        expect=dict(severity="error", behaviour=124, file="Manifest.xml", message=f"The parent {F} of this object comes later in the package."))
variant("b131-file-value-escapes-the-container", "A FileValue climbs out of the source container.",
        files={"Manifest.xml": manifest.replace(file_a, 'FileValue="../elsewhere/00000000.dat"', 1)},
        expect=dict(severity="error", behaviour=131, file="Manifest.xml", message="The FileValue '../elsewhere/00000000.dat' is not a valid blob name."))
hello = open(os.path.join(BASE, "content", "00000000.dat"), "rb").read()
nested = "exports/2024/March/blob-0.bin"
variant("b132-file-value-in-nested-blob-folders", "A file's blob sits under folders of its own; the file lands where the manifest says.",
        files={"Manifest.xml": manifest.replace(file_a, f'FileValue="{nested}"', 1), "content/" + nested: hello},
        readback={"/sites/dev/Shared Documents/Corpus/hello.txt": "content/" + nested})
def stored_zip(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for entry, data in entries: z.writestr(zipfile.ZipInfo(entry, date_time=(2024, 3, 1, 10, 0, 0)), data)
    return out.getvalue()
bundle = stored_zip([("inner/readme.txt", b"inside the zip\n")])
zipped = manifest.replace("hello.txt", "hello.zip").replace(' FileSize="23" MD5Hash="/r2Odh0s2KZZyD+3hf8X4A=="', f' FileSize="{len(bundle)}" MD5Hash="{base64.b64encode(hashlib.md5(bundle).digest()).decode()}"', 1)
assert zipped.count("hello.zip") == 6 and str(len(bundle)) in zipped
variant("b138-zip-file-stays-a-zip", "A file is a zip; not listed in ArchivedFiles.xml, it is imported as the zip it is.",
        files={"Manifest.xml": zipped, "content/00000000.dat": bundle},
        readback={"/sites/dev/Shared Documents/Corpus/hello.zip": "content/00000000.dat"})
stranger = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
variant("b112-file-in-an-unknown-web", "A file names a ParentWebId that is no web of the target site.",
        files={"Manifest.xml": manifest.replace('<File Url="Shared Documents/Corpus/hello.txt" Id="' + A + '" ParentWebId="' + W + '"', '<File Url="Shared Documents/Corpus/hello.txt" Id="' + A + '" ParentWebId="' + stranger + '"', 1)}, offline=False,
        live=dict(severity="error", behaviour=112, file="Manifest.xml", message=f"The web with id {stranger} was not found."))
variant("b123-item-of-an-unknown-file", "A ListItem's DocId names no file of the package or the site.",
        files={"Manifest.xml": manifest.replace('DocId="' + A + '"', 'DocId="' + stranger + '"', 1)}, offline=False,
        live=dict(severity="error", behaviour=123, file="Manifest.xml", message=f"The file with id {stranger} was not found."))
variant("b133-blob-missing", "A FileValue names a blob the source container does not have.",
        files={"Manifest.xml": manifest.replace(file_a, 'FileValue="00000099.dat"', 1)},
        expect=dict(severity="error", behaviour=133, file="Manifest.xml", message="The blob '00000099.dat' was not found in the source container."))
variant("b146-checksum-mismatch", "A File's Checksum is not the QuickXorHash of its content.",
        files={"Manifest.xml": manifest.replace(file_a, file_a + ' Checksum="AAAAAAAAAAAAAAAAAAAAAAAAAAA="', 1)},
        expect=dict(severity="error", behaviour=146, file="Manifest.xml", message="Checksum mismatch for file 00000000.dat."))
qxh = "KCRsi9vs7CCfViZvfwMI6ICGMoA="
variant("b146-checksum-instead-of-md5", "A File carries the QuickXorHash of its content instead of an MD5; the blob has no Content-MD5.",
        files={"Manifest.xml": manifest.replace(' MD5Hash="/r2Odh0s2KZZyD+3hf8X4A=="', ' Checksum="' + qxh + '"', 1)}, stage=dict(content_md5=False))
variant("b147-no-md5-anywhere", "Neither the manifest nor the blob has an MD5.",
        files={"Manifest.xml": manifest.replace(' MD5Hash="/r2Odh0s2KZZyD+3hf8X4A=="', '', 1)}, stage=dict(content_md5=False),
        expect=dict(severity="advice", behaviour=145, file="Manifest.xml", message='00000000.dat has no MD5Hash or Checksum in the manifest: upload it with Content-MD5 set, or the service fails it with "Missing MD5 property in Manifest and Azure Blob. File: 00000000.dat".'),
        live=dict(severity="error", behaviour=147, message="Missing MD5 property in Manifest and Azure Blob. File: 00000000.dat"))
variant("b150-manifest-md5-without-blob-property", "The blobs carry no Content-MD5; the manifest's MD5Hash stands in for it.",
        stage=dict(content_md5=False),
        readback={"/sites/dev/Shared Documents/Corpus/hello.txt": "content/00000000.dat"})
variant("b149-md5-mismatch", "A File's MD5Hash is not the MD5 of its content.",
        files={"Manifest.xml": manifest.replace('MD5Hash="/r2Odh0s2KZZyD+3hf8X4A=="', 'MD5Hash="AAAAAAAAAAAAAAAAAAAAAA=="', 1)},
        expect=dict(severity="error", behaviour=149, file="Manifest.xml", message="MD5 mismatch for file 00000000.dat."))
print(len(os.listdir(OUT)), "variants")

# ── Encrypted variants with ArchivedFiles.xml (behaviours 151–154) ──
import hashlib, io, zipfile, sys
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives import padding

KEY = bytes(range(32))
KEY_B64 = base64.b64encode(KEY).decode()

def iv_for(name): return hashlib.sha256(("iv:" + name).encode()).digest()[:16]

def encrypt(data, iv):
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    enc = Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor()
    return enc.update(padded) + enc.finalize()

def quick_xor(data):
    bits = 0
    for i, b in enumerate(data):
        off = (i * 11) % 160
        v = b << off
        v = (v | (v >> 160)) & ((1 << 160) - 1)
        bits ^= v
    out = bytearray(bits.to_bytes(20, "little"))
    length = len(data).to_bytes(8, "little", signed=True)
    for j in range(8): out[12 + j] ^= length[j]
    return base64.b64encode(bytes(out)).decode()

assert quick_xor(b"hello world") == "aCgDG9jwBhDc4Q1yawMZAAAAAAA="

def md5_b64(data): return base64.b64encode(hashlib.md5(data).digest()).decode()

def encrypted_variant(name, description, archived_xml, packs, expect=None, live=None, compress=False, checksum_override=None, corrupt=(), key_override=None, bomb=False):
    """Every file encrypted with KEY: manifest files and loose content with a sidecar .iv;
    archived files as zip entries whose IV the manifest carries."""
    files = {}
    contents = {n: open(os.path.join(BASE, "content", n), "rb").read() for n in os.listdir(os.path.join(BASE, "content"))}
    archived = {fv for pack in packs.values() for fv in pack}
    text = manifest
    for fv, plain in contents.items():
        cipher = encrypt(plain, iv_for(fv))
        if fv in corrupt:
            # A last block that decrypts to bad PKCS7 padding; the MD5 is of these bytes.
            cipher = cipher[:-1] + bytes([cipher[-1] ^ 0x55])
        text = text.replace(md5_b64(plain), md5_b64(cipher))
        if fv in archived:
            # The entry's IV goes into the manifest: no blob metadata for an entry.
            text = re.sub(r'(FileValue="' + re.escape(fv) + r'")', r'\1 InitializationVector="' + base64.b64encode(iv_for(fv)).decode() + '"', text)
        else:
            files["content/" + fv] = cipher
            files["content/" + fv + ".iv"] = base64.b64encode(iv_for(fv)).decode()
    xml_files = {n: read(n) for n in os.listdir(BASE) if n.endswith(".xml")}
    xml_files["Manifest.xml"] = text
    for pack_name, members in packs.items():
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
            for fv in members:
                # A fixed timestamp keeps the zip the same from run to run.
                entry = zipfile.ZipInfo(fv, date_time=(2024, 3, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
                z.writestr(entry, encrypt(contents[fv], iv_for(fv)))
            if bomb:
                # 256 MiB of zeros, a few hundred KB deflated: a zip bomb if anything expanded it.
                info = zipfile.ZipInfo("bomb.bin", date_time=(2024, 3, 1, 0, 0, 0)); info.compress_type = zipfile.ZIP_DEFLATED
                with z.open(info, "w") as out:
                    chunk = bytes(1 << 20)
                    for _ in range(256): out.write(chunk)
        plain_zip = buf.getvalue()
        checksum = checksum_override or quick_xor(plain_zip)
        archived_xml = archived_xml.replace("{" + pack_name + "}", checksum)
        files["content/" + pack_name] = encrypt(plain_zip, iv_for(pack_name))
        files["content/" + pack_name + ".iv"] = base64.b64encode(iv_for(pack_name)).decode()
    xml_files["ArchivedFiles.xml"] = archived_xml
    for n, t in xml_files.items():
        raw = t.encode("utf-8")
        files[n] = encrypt(raw, iv_for(n))
        files[n + ".iv"] = base64.b64encode(iv_for(n)).decode()
    d = os.path.join(OUT, name); os.makedirs(os.path.join(d, "content"))
    for fname, data in files.items():
        mode = "wb" if isinstance(data, bytes) else "w"
        open(os.path.join(d, fname), mode).write(data)
    lines = [f"description = {toml_str(description)}", f"key = {toml_str(key_override or KEY_B64)}"]
    def section(title, e):
        out = ["", f"[{title}]"]
        for k in ("severity", "behaviour", "file", "message"):
            if k in e:
                v = e[k]; out.append(f"{k} = {v}" if isinstance(v, int) else f"{k} = {toml_str(v)}")
        return out
    if expect: lines += section("finding", expect)
    if live: lines += section("live", live)
    open(os.path.join(d, "variant.toml"), "w").write("\n".join(lines) + "\n")

one_pack = '<?xml version="1.0" encoding="utf-8"?>\n<ArchivedFiles>\n  <ArchivedFile Name="pack0.zip" Checksum="{pack0.zip}">\n    <File FileValue="00000000.dat" />\n    <File FileValue="00000001.dat" />\n  </ArchivedFile>\n</ArchivedFiles>\n'
encrypted_variant("b151-b152-archived-files", "An encrypted package batches two small files into a stored zip; the third is uploaded on its own.",
                  one_pack, {"pack0.zip": ["00000000.dat", "00000001.dat"]})
encrypted_variant("b153-archive-with-compressed-entries", "The zip's entries are deflated, not stored.",
                  one_pack, {"pack0.zip": ["00000000.dat", "00000001.dat"]}, compress=True,
                  expect=dict(severity="error", behaviour=153, file="Manifest.xml", message="The archive 'pack0.zip' cannot be used: the entry '00000000.dat' is compressed; entries must be stored."))
encrypted_variant("b154-archive-checksum-mismatch", "The zip's Checksum is not its QuickXorHash.",
                  one_pack, {"pack0.zip": ["00000000.dat", "00000001.dat"]}, checksum_override="AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                  expect=dict(severity="error", behaviour=154, file="Manifest.xml", message="The archive 'pack0.zip' cannot be used: its Checksum is not the QuickXorHash of the zip."))
print(len(os.listdir(OUT)), "variants in all")

# ── Hostile input: each gets the real channel's error and a clean job end ──
lol = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">\n]>\n' + manifest.split("\n", 1)[1].replace('Value="Hello"', 'Value="&lol2;"', 1)
variant("hostile-entity-expansion", "Manifest.xml declares entities that expand a thousandfold (a billion-laughs attack).",
        files={"Manifest.xml": lol},
        expect=dict(severity="fatal", behaviour=90, file="Manifest.xml", message="[System.Xml.XmlException] [For security reasons DTD is prohibited in this XML document. To enable DTD processing set the DtdProcessing property on XmlReaderSettings to Parse and pass the settings into XmlReader.Create method.]"))
xxe = '<?xml version="1.0"?>\n<!DOCTYPE ExportSettings [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n' + export.split("\n", 1)[1].replace('FileLocation="C:\\corpus"', 'FileLocation="&secret;"', 1)
variant("hostile-external-entity", "ExportSettings.xml tries to read a local file through an external entity.",
        files={"ExportSettings.xml": xxe},
        expect=dict(severity="fatal", behaviour=90, file="ExportSettings.xml", message="[System.Xml.XmlException] [For security reasons DTD is prohibited in this XML document. To enable DTD processing set the DtdProcessing property on XmlReaderSettings to Parse and pass the settings into XmlReader.Create method.]"))
deep = "<x>" * 80 + "</x>" * 80
variant("hostile-deep-nesting", "A field nests elements eighty deep.",
        files={"Manifest.xml": manifest.replace('<Field Name="Title" Value="Hello" Type="Text" />', '<Field Name="Title" Value="Hello" Type="Text">' + deep + '</Field>', 1)},
        expect=dict(severity="fatal", behaviour=90, file="Manifest.xml", message="[System.Xml.XmlException] [The element 'x' exceeds the max_depth limit of 64 nested elements. Line 12, position 233.]"))
variant("hostile-huge-attribute", "A title two mebibytes long.",
        files={"Manifest.xml": manifest.replace('Value="Hello"', 'Value="' + "A" * (2 << 20) + '"', 1)},
        expect=dict(severity="fatal", behaviour=90, file="Manifest.xml", message="[System.Xml.XmlException] [The value of attribute 'Value' exceeds the max_attribute_len limit of 1048576 bytes. Line 12, position 36.]"))
bad = manifest.encode("utf-8").replace(b'Value="Notes"', b'Value="No\xfftes"', 1)
d = os.path.join(OUT, "hostile-invalid-utf8"); os.makedirs(d); open(os.path.join(d, "Manifest.xml"), "wb").write(bad)
open(os.path.join(d, "variant.toml"), "w").write('description = "Manifest.xml holds a byte that is not UTF-8."\n\n[finding]\nseverity = "fatal"\nbehaviour = 90\nfile = "Manifest.xml"\nmessage = "[System.Xml.XmlException] [Invalid character in the given encoding. Line 27, position 38.]"\n')
truncated = open(os.path.join(BASE, "content", "00000000.dat"), "rb").read()[:7]
d = os.path.join(OUT, "hostile-truncated-blob"); os.makedirs(os.path.join(d, "content")); open(os.path.join(d, "content", "00000000.dat"), "wb").write(truncated)
open(os.path.join(d, "variant.toml"), "w").write('description = "A content blob is cut short after upload; its MD5 no longer matches."\n\n[finding]\nseverity = "error"\nbehaviour = 149\nfile = "Manifest.xml"\nmessage = "MD5 mismatch for file 00000000.dat."\n')
print(len(os.listdir(OUT)), "variants with the hostile ones")

encrypted_variant("hostile-zip-bomb", "The archive holds a deflated entry that would expand to 256 MiB.",
                  one_pack, {"pack0.zip": ["00000000.dat", "00000001.dat"]}, bomb=True,
                  expect=dict(severity="error", behaviour=153, file="Manifest.xml", message="The archive 'pack0.zip' cannot be used: the entry 'bomb.bin' is compressed; entries must be stored."))
encrypted_variant("hostile-wrong-key", "The job is created with a key other than the one the package was encrypted with.",
                  one_pack, {"pack0.zip": ["00000000.dat", "00000001.dat"]}, key_override=base64.b64encode(bytes([7] * 32)).decode(),
                  expect=dict(severity="fatal", behaviour=139, file="ExportSettings.xml", message="Failed to decrypt blob 'ExportSettings.xml'."))
encrypted_variant("hostile-corrupt-padding", "A content blob's last block does not decrypt to valid padding.",
                  one_pack, {"pack0.zip": ["00000000.dat", "00000001.dat"]}, corrupt=["00000002.dat"],
                  expect=dict(severity="error", behaviour=142, file="Manifest.xml", message="Failed to decrypt blob '00000002.dat'."))
print(len(os.listdir(OUT)), "variants with the encrypted hostile ones")
