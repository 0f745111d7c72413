"""Builds the fuzz targets' starting corpora from the package corpus (testdata/packages).

Run by `./dev fuzz`; writes fuzz/corpus/<target>/, which is scratch space and not committed.
Inputs that once crashed a target are kept apart, in fuzz/regressions/<target>/.
"""

import hashlib
import io
import pathlib
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent
PACKAGES = ROOT.parent / "testdata" / "packages"
# The order of the package_schemas target's file list; one past the end means a manifest.
SCHEMA_FILES = [
    "ExportSettings.xml",
    "SystemData.xml",
    "UserGroup.xml",
    "RootObjectMap.xml",
    "LookupListMap.xml",
    "Requirements.xml",
    "ViewFormsList.xml",
    "ArchivedFiles.xml",
]


def put(target, data):
    folder = ROOT / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def zip_of(entries, method=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            archive.writestr(info, data, compress_type=method)
    return buffer.getvalue()


def main():
    for path in sorted(PACKAGES.rglob("*.xml")):
        data = path.read_bytes()
        put("xml_document", data)
        put("xml_stream", data)
        if path.name in SCHEMA_FILES:
            put("package_schemas", bytes([SCHEMA_FILES.index(path.name)]) + data)
        elif path.name.startswith("Manifest"):
            put("package_schemas", bytes([len(SCHEMA_FILES)]) + data)
    put("archive_zip", zip_of([("00000001.dat", b"x" * 64), ("a/b.dat", b"y" * 10)]))
    put("archive_zip", zip_of([("00000001.dat", b"z" * 4096)], zipfile.ZIP_DEFLATED))
    put("archive_zip", zip_of([]))


if __name__ == "__main__":
    main()
