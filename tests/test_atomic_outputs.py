"""Files the commands write are replaced only when complete: `dumpdata -o` (the README's
backups) and `build_map_outlines`. An error midway leaves the old file byte for byte."""

import bz2
import gzip
import io
import json
import lzma
import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry import serializers
from registry.management import atomic_files

from .registry_states import empty_registry, registry_records
from .test_maps import FIXTURE

REGISTRY_DUMP = ["registry.network", "registry.source", "registry.organisation"]
REGISTRY_DUMP += ["registry.memberstate", "registry.city", "registry.officer"]
REGISTRY_DUMP += ["registry.agreement"]
OLD = b"the backup of last week\n"
DECOMPRESS = {
    ".json": lambda data: data,
    ".gz": gzip.decompress,
    ".bz2": bz2.decompress,
    ".xz": lzma.decompress,
    ".lzma": lzma.decompress,
}


def dump(path=None, **options):
    """The README's registry dump, to `path`, or as the text dumpdata writes to stdout."""
    stdout = io.StringIO()
    options = {"natural_foreign": True, "natural_primary": True, "indent": 1, **options}
    if path is not None:
        options["output"] = str(path)
    call_command("dumpdata", *REGISTRY_DUMP, stdout=stdout, verbosity=0, **options)
    return stdout.getvalue()


def fail_after(monkeypatch, count):
    """Serialization raises at the `count`th record, once part of the dump is written."""
    seen = []
    original = serializers.Serializer.get_dump_object

    def get_dump_object(self, obj):
        seen.append(obj)
        if len(seen) >= count:
            raise RuntimeError("the disk is full")
        return original(self, obj)

    monkeypatch.setattr(serializers.Serializer, "get_dump_object", get_dump_object)
    return seen


@pytest.mark.parametrize("name", ["registry.json", "registry.json.gz"])
def test_an_interrupted_dump_leaves_the_old_file_untouched(founding, tmp_path, monkeypatch, name):
    target = tmp_path / name
    target.write_bytes(OLD)
    seen = fail_after(monkeypatch, 40)
    with pytest.raises(CommandError, match="the disk is full"):
        dump(target)
    assert len(seen) == 40
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == [name]  # no temporary file left beside it


def test_an_interrupted_dump_to_a_new_name_leaves_no_file(founding, tmp_path, monkeypatch):
    fail_after(monkeypatch, 10)
    with pytest.raises(CommandError):
        dump(tmp_path / "registry.json")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "name", ["registry.json", "registry.json.gz", "registry.json.bz2", "registry.json.xz"]
)
def test_a_complete_dump_replaces_the_file_and_loads_back(founding, tmp_path, name):
    target = tmp_path / name
    target.write_bytes(OLD)
    os.chmod(target, 0o600)
    before = registry_records()
    text = dump(target)
    assert text == ""  # all of it went to the file
    assert os.listdir(tmp_path) == [name]
    assert os.stat(target).st_mode & 0o777 == 0o600  # the old file's permissions kept
    data = DECOMPRESS[os.path.splitext(name)[1]](target.read_bytes())
    # What Django's dumpdata writes to its standard output, byte for byte.
    assert data.decode("utf-8") == dump()
    assert {record["model"] for record in json.loads(data)} >= {
        "registry.city",
        "registry.officer",
    }
    empty_registry()
    assert registry_records() != before
    call_command("loaddata", str(target), verbosity=0)
    assert registry_records() == before


def test_a_lzma_dump_is_the_legacy_format_django_writes(founding, tmp_path):
    target = tmp_path / "registry.json.lzma"
    dump(target)
    data = lzma.decompress(target.read_bytes(), format=lzma.FORMAT_ALONE)
    assert data.decode("utf-8") == dump()


def test_a_zip_suffix_is_written_without_it_as_django_does(founding, tmp_path):
    with pytest.warns(RuntimeWarning, match="Unsupported file extension"):
        dump(tmp_path / "registry.json.zip")
    assert os.listdir(tmp_path) == ["registry.json"]
    assert (tmp_path / "registry.json").read_text(encoding="utf-8") == dump()


def outlines_topology(tmp_path):
    topology = json.loads(json.dumps(FIXTURE))
    # Every ASEAN state is required; give the fixture the other eight.
    for number in ("096", "104", "116", "360", "418", "458", "608", "704"):
        topology["objects"]["countries"]["geometries"].append(
            {"type": "Polygon", "id": number, "arcs": [[0, 1]]}
        )
    source = tmp_path / "countries.json"
    source.write_text(json.dumps(topology), encoding="utf-8")
    return source


def test_build_map_outlines_replaces_its_output_only_when_complete(tmp_path, monkeypatch):
    source, output = outlines_topology(tmp_path), tmp_path / "map_outlines.json"
    output.write_bytes(OLD)

    def fsync(fd):
        raise OSError("the disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(atomic_files.os, "fsync", fsync)
        with pytest.raises(OSError, match="the disk is full"):
            call_command(
                "build_map_outlines", str(source), output=str(output), stdout=io.StringIO()
            )
    assert output.read_bytes() == OLD
    assert sorted(os.listdir(tmp_path)) == ["countries.json", "map_outlines.json"]

    call_command("build_map_outlines", str(source), output=str(output), stdout=io.StringIO())
    assert set(json.loads(output.read_text(encoding="utf-8"))["states"]) >= {"TH", "SG"}
    assert sorted(os.listdir(tmp_path)) == ["countries.json", "map_outlines.json"]
