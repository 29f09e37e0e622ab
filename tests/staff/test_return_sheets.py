"""A return answered offline: downloaded as XLSX, filled in, uploaded, previewed and saved."""

import datetime
import io
import shutil
import subprocess

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from registry import confirmation
from registry.models import Officer, Return, ReturnItem
from registry.staff import return_sheets

from .. import factories
from ..conftest import make_staff
from .test_rounds import logged_in, return_form_data, state_editor

Action = ReturnItem.Action


@pytest.fixture
def offline(db):
    network = factories.network()
    thailand = factories.member_state(network=network, name="Thailand", code="XT")
    laos = factories.member_state(network=network, name="Laos", code="XL")
    bangkok = factories.city(member_state=thailand, name="Bangkok")
    chiang_mai = factories.city(member_state=thailand, name="เชียงใหม่")
    csco = factories.officer(city=bangkok, name="Old CSCO", start_date=datetime.date(2018, 4, 1))
    quiet = factories.officer(city=chiang_mai, name="สมชาย ใจดี")
    representative = factories.officer(member_state=thailand, name="National representative")
    factories.city(member_state=laos, name="Vientiane")
    secretariat = make_staff("secretariat", "Secretariat editor")
    editor = state_editor("thai", thailand)
    round_ = confirmation.open_round(
        "2027 annual confirmation",
        timezone.localdate() + datetime.timedelta(days=20),
        secretariat,
        [thailand, laos],
    )
    return {
        "state": thailand,
        "bangkok": bangkok,
        "chiang_mai": chiang_mai,
        "csco": csco,
        "quiet": quiet,
        "representative": representative,
        "return": round_.returns.get(member_state=thailand),
        "other": round_.returns.get(member_state=laos),
        "client": logged_in(editor),
        "editor": editor,
        "secretariat": secretariat,
    }


def url(name, ret):
    return reverse(f"admin:registry_confirmationround_return_{name}", args=[ret.pk])


def download(client, ret):
    response = client.get(url("spreadsheet", ret))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith("attachment;")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def rows_by_record(workbook):
    sheet = workbook[return_sheets.SHEET_TITLE]
    headers = [cell.value for cell in sheet[1]]
    rows = {}
    for row in sheet.iter_rows(min_row=2):
        values = dict(zip(headers, row, strict=True))
        rows[values["record"].value] = values
    return headers, rows


def save(workbook):
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, ret, content, name="return.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(url("upload", ret), {"file": file})


def answer_offline(workbook, world):
    """Confirm the state, correct Bangkok's name, hand the CSCO over and end the quiet one."""
    _headers, rows = rows_by_record(workbook)
    key = confirmation.record_key
    rows[key(world["state"])]["answer"].value = "confirm"
    rows[key(world["bangkok"])]["name"].value = "Krung Thep"
    rows[key(world["bangkok"])]["answer"].value = "Correct"
    rows[key(world["bangkok"])]["source_url"].value = "https://example.org/bangkok"
    csco = rows[key(world["csco"])]
    csco["answer"].value = "record a handover"
    csco["successor_name"].value = "ผู้สืบทอด"
    csco["effective_date"].value = datetime.date(2027, 1, 15)
    quiet = rows[key(world["quiet"])]
    quiet["answer"].value = "end"
    quiet["effective_date"].value = "2026-11-30"
    return workbook


def test_the_spreadsheet_holds_every_record_of_the_return_and_no_other(offline):
    headers, rows = rows_by_record(download(offline["client"], offline["return"]))
    assert headers == return_sheets.COLUMNS
    key = confirmation.record_key
    assert set(rows) == {
        key(offline[name])
        for name in ("state", "representative", "bangkok", "chiang_mai", "csco", "quiet")
    }
    assert rows[key(offline["chiang_mai"])]["name"].value == "เชียงใหม่"
    assert rows[key(offline["csco"])]["city"].value == "Bangkok"
    assert rows[key(offline["csco"])]["start_date"].value.date() == datetime.date(2018, 4, 1)
    assert all(row["answer"].value is None for row in rows.values())


def test_an_upload_is_previewed_then_saved_as_the_same_answers_as_the_page(offline):
    client, ret = offline["client"], offline["return"]
    content = save(answer_offline(download(client, ret), offline))

    preview = upload(client, ret, content)
    assert preview.status_code == 200, preview.content.decode()
    text = preview.content.decode()
    assert "name: Bangkok → Krung Thep" in text
    assert "successor&#x27;s name: — → ผู้สืบทอด" in text
    assert ret.items.count() == 0  # a preview saves nothing
    token = preview.context["answers_token"]

    saved = client.post(url("upload", ret), {"answers": token, "confirm": "1"})
    assert saved.status_code == 302
    items = {item.record_key: item for item in ret.items.all()}
    key = confirmation.record_key
    assert items[key(offline["state"])].action == Action.CONFIRM
    assert items[key(offline["bangkok"])].proposed_values == {"name": "Krung Thep"}
    assert items[key(offline["bangkok"])].source_url == "https://example.org/bangkok"
    handover = items[key(offline["csco"])]
    assert handover.action == Action.HANDOVER
    assert handover.proposed_values == {"name": "ผู้สืบทอด", "designation": ""}
    assert handover.effective_date == datetime.date(2027, 1, 15)
    assert items[key(offline["quiet"])].effective_date == datetime.date(2026, 11, 30)
    assert key(offline["representative"]) not in items  # left blank: not answered
    ret.refresh_from_db()
    assert ret.status == Return.Status.IN_PROGRESS
    assert offline["bangkok"].__class__.objects.get(pk=offline["bangkok"].pk).name == "Bangkok"

    # The same answers typed into the return page are the same items.
    page_data = return_form_data(client, ret)
    assert page_data[f"{key(offline['bangkok']).replace(':', '-')}-correct_name"] == "Krung Thep"

    # Submitted and accepted, the spreadsheet's answers change the registry like the page's.
    confirmation.submit(ret, offline["editor"])
    confirmation.accept(ret.pk, offline["secretariat"])
    offline["csco"].refresh_from_db()
    assert offline["csco"].end_date == datetime.date(2027, 1, 14)
    assert Officer.objects.get(name="ผู้สืบทอด").start_date == datetime.date(2027, 1, 15)


def test_the_downloaded_spreadsheet_of_a_saved_return_uploads_back_as_no_change(offline):
    client, ret = offline["client"], offline["return"]
    content = save(answer_offline(download(client, ret), offline))
    token = upload(client, ret, content).context["answers_token"]
    client.post(url("upload", ret), {"answers": token, "confirm": "1"})
    before = {(i.record_key, i.action, str(i.proposed_values), i.updated) for i in ret.items.all()}

    again = download(client, ret)
    _headers, rows = rows_by_record(again)
    assert rows[confirmation.record_key(offline["bangkok"])]["name"].value == "Krung Thep"
    assert rows[confirmation.record_key(offline["csco"])]["successor_name"].value == "ผู้สืบทอด"
    token = upload(client, ret, save(again)).context["answers_token"]
    assert client.post(url("upload", ret), {"answers": token, "confirm": "1"}).status_code == 302
    after = {(i.record_key, i.action, str(i.proposed_values), i.updated) for i in ret.items.all()}
    assert after == before  # nothing rewritten


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("bangkok", "answer", "perhaps"), "Select a valid choice"),
        (("csco", "answer", "handover"), "Name the successor"),
        (("bangkok", "name", "Krung Thep"), "answer is not &#x27;correct&#x27;"),
        (("state", "answer", "end"), "Select a valid choice"),
        (("quiet", "effective_date", "next Tuesday"), "Enter a valid date"),
        (("bangkok", "record", "city:999999"), "is not a record of this return"),
        (("bangkok", "answer", "=1+1"), "formula"),
    ],
)
def test_one_bad_row_is_a_400_naming_it_and_nothing_is_saved(offline, change, message):
    client, ret = offline["client"], offline["return"]
    workbook = download(client, ret)
    _headers, rows = rows_by_record(workbook)
    rows[confirmation.record_key(offline["state"])]["answer"].value = "confirm"
    name, column, value = change
    rows[confirmation.record_key(offline[name])][column].value = value
    response = upload(client, ret, save(workbook))
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text
    assert "Row " in text
    assert "answers_token" not in response.context
    assert ret.items.count() == 0


def test_a_file_that_is_not_the_returns_spreadsheet_is_refused_with_a_message(offline):
    client, ret = offline["client"], offline["return"]
    response = upload(client, ret, b"name,city\nBangkok,TH\n", name="cities.xlsx")
    assert response.status_code == 400
    assert "XLSX" in response.content.decode()
    workbook = openpyxl.Workbook()
    workbook.active.append(["name", "city"])
    response = upload(client, ret, save(workbook))
    assert response.status_code == 400
    assert "upload the return" in response.content.decode()
    assert ret.items.count() == 0


def test_an_altered_or_foreign_preview_saves_nothing(offline):
    client, ret = offline["client"], offline["return"]
    content = save(answer_offline(download(client, ret), offline))
    token = upload(client, ret, content).context["answers_token"]
    tampered = client.post(url("upload", ret), {"answers": token[:-3] + "abc", "confirm": "1"})
    assert tampered.status_code == 302 and ret.items.count() == 0
    other_user = state_editor("thai2", offline["state"])
    foreign = logged_in(other_user).post(url("upload", ret), {"answers": token, "confirm": "1"})
    assert foreign.status_code == 302 and ret.items.count() == 0


def test_only_the_states_editors_download_and_upload_and_only_while_editable(offline):
    client, other = offline["client"], offline["other"]
    assert client.get(url("spreadsheet", other)).status_code == 404
    assert upload(client, other, b"").status_code == 404
    viewer = logged_in(make_staff("viewer", "Secretariat viewer"))
    assert viewer.get(url("spreadsheet", offline["return"])).status_code == 200
    assert upload(viewer, offline["return"], b"").status_code == 403
    ret = offline["return"]
    confirmation.save_answers(
        ret, {confirmation.record_key(offline["state"]): confirmation.Answer("confirm")}, None
    )
    confirmation.submit(ret, offline["editor"])
    content = save(download(client, ret))
    assert upload(client, ret, content).status_code == 403


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_a_spreadsheet_saved_again_by_libreoffice_uploads_the_same_answers(offline, tmp_path):
    client, ret = offline["client"], offline["return"]
    source = tmp_path / "in" / "return.xlsx"
    source.parent.mkdir()
    source.write_bytes(save(answer_offline(download(client, ret), offline)))
    out = tmp_path / "out"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    direct = upload(client, ret, source.read_bytes()).context["preview"]
    resaved = upload(client, ret, (out / "return.xlsx").read_bytes())
    assert resaved.status_code == 200, resaved.content.decode()

    def answers(preview):
        return {
            str(row["record"]): (row["action"], row.get("changes"), str(row.get("answer")))
            for row in preview
        }

    assert answers(resaved.context["preview"]) == answers(direct)
