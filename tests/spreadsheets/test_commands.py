"""django-import-export's import and export commands on every resource."""

import io

import pytest
from django.core.management import CommandError, call_command

from registry.models import City
from registry.spreadsheets.resources import RESOURCES

from ..spreadsheet_files import csv_bytes, registry_state


@pytest.mark.parametrize("fmt", ["CSV", "XLSX", "JSON", "registry.spreadsheets.ODS"])
@pytest.mark.parametrize("resource_class", RESOURCES, ids=lambda r: r.__name__)
def test_the_import_export_commands_round_trip_every_resource(
    founding, tmp_path, capsys, resource_class, fmt
):
    dotted = f"registry.resources.{resource_class.__name__}"
    extension = fmt.rsplit(".", 1)[-1].lower()
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    call_command("export", fmt, dotted, stdout=out)
    out.flush()
    path = tmp_path / f"export.{extension}"
    path.write_bytes(out.buffer.getvalue())
    before = registry_state()
    call_command("import", dotted, str(path), "--no-input")
    count = resource_class._meta.model.objects.count()
    assert f"0 new, 0 updated, 0 deleted and {count} skipped" in capsys.readouterr().err
    assert registry_state() == before


def test_the_import_command_dry_run_writes_nothing(founding, tmp_path, capsys):
    path = tmp_path / "cities.csv"
    path.write_bytes(csv_bytes([["name", "member_state"], ["Khon Kaen", "TH"]]))
    before = registry_state()
    call_command("import", "registry.resources.CityResource", str(path), "--no-input", "--dry-run")
    assert "1 new" in capsys.readouterr().err
    assert registry_state() == before
    call_command("import", "registry.resources.CityResource", str(path), "--no-input")
    assert City.objects.filter(name="Khon Kaen", member_state__code="TH").exists()


def test_the_import_command_refuses_a_format_the_file_name_contradicts(founding, tmp_path):
    path = tmp_path / "cities.ods"
    path.write_bytes(csv_bytes([["name", "member_state"], ["Khon Kaen", "TH"]]))
    before = registry_state()
    with pytest.raises(CommandError, match="named as ODS, but it was declared as CSV"):
        call_command(
            "import", "registry.resources.CityResource", str(path), "--no-input", "--format", "CSV"
        )
    assert registry_state() == before


def test_the_import_command_refuses_content_that_is_not_the_named_format(founding, tmp_path):
    path = tmp_path / "cities.ods"
    path.write_bytes(csv_bytes([["name", "member_state"], ["Khon Kaen", "TH"]]))
    before = registry_state()
    with pytest.raises(CommandError, match="text file .* declared as ODS"):
        call_command("import", "registry.resources.CityResource", str(path), "--no-input")
    assert registry_state() == before
