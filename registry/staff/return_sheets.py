"""
A return as one spreadsheet, for national offices that work offline: download it, answer in the
`answer` column (editing a record's own cells is a correction), upload it, check the preview and
confirm. Nothing is saved before the confirmation, and a file with one bad row saves nothing.

Each row goes through the return page's own form (round_forms.AnswerForm), so a spreadsheet answer
is checked exactly as the same answer typed into the page would be. The preview carries the
cleaned answers signed (django.core.signing) rather than kept on the server: any app server
can take the confirmation.
"""

import datetime

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .. import confirmation, permissions
from ..identifiers import content_disposition_header, registry_slug
from ..models import City, MemberState, Officer, ReturnItem
from ..spreadsheets.errors import SpreadsheetError
from ..spreadsheets.files import FormulaCell, read_single_sheet
from ..spreadsheets.writers import write_xlsx
from .round_forms import AdditionForm, AnswerForm, form_key, subject_of
from .rounds import return_sections, visible_return_or_404

Action = confirmation.Action
SHEET_TITLE = "return"
# The record's own cells: what it is now, and what a correction changes.
RECORD_COLUMNS = ["name", "designation", "start_date", "pilot_since", "action_plan_url"]
ANSWER_COLUMNS = [
    "answer",
    "successor_name",
    "successor_designation",
    "effective_date",
    "source_url",
    "source_note",
]
COLUMNS = ["record", "kind", "city", *RECORD_COLUMNS, *ANSWER_COLUMNS]
# The form field each answer column fills.
FORM_FIELDS = {
    "answer": "action",
    "successor_name": "new_name",
    "successor_designation": "new_designation",
    "effective_date": "effective_date",
    "source_url": "source_url",
    "source_note": "source_note",
}
MAX_ROWS = 20_000
# The key of a row that adds a record (its `record` cell is empty), until it is saved "add:N".
NEW_ADDITION = f"{confirmation.ADD_PREFIX}new-"
SIGNING_SALT = "registry.return-upload"
# How long a preview may wait for its confirmation.
PREVIEW_MAX_AGE = 24 * 60 * 60


def kind_of(record):
    if isinstance(record, MemberState):
        return str(MemberState._meta.verbose_name)
    if isinstance(record, City):
        return str(City._meta.verbose_name)
    return str(record.get_role_display())


def addition_row(form, ret):
    """A saved addition's row: its key ("add:1"), what it adds and where, and its source."""
    proposed = form.initial
    values = dict.fromkeys(COLUMNS, "")
    values.update(
        record=form.key,
        answer=Action.ADD.value,
        source_url=proposed.get("source_url", ""),
        source_note=proposed.get("source_note", ""),
    )
    for name in confirmation.ADDITION_FIELDS[form.kind]:
        value = proposed.get(name) or ""
        values[name] = (
            datetime.date.fromisoformat(value)
            if name.endswith(("_since", "_date")) and value
            else value
        )
    if form.kind == "city":
        values["kind"] = kind_of(City())
    else:
        place = confirmation.addition_place(ret, proposed)
        is_city = isinstance(place, City)
        role = Officer.Role.CSCO if is_city else Officer.Role.NATIONAL_REPRESENTATIVE
        values["kind"] = str(role.label)
        values["city"] = place.name if is_city else ""
    return [values[column] for column in COLUMNS]


def record_row(form):
    """A record's row: what it is now (or as the saved answer corrects it) and the answer."""
    record, initial = form.record, form.initial
    values = {
        "record": confirmation.record_key(record),
        "kind": kind_of(record),
        "city": str(record.city) if isinstance(record, Officer) and record.city_id else "",
    }
    for column in RECORD_COLUMNS:
        if column in form.correctable:
            values[column] = initial.get(f"correct_{column}", getattr(record, column))
        else:
            values[column] = ""
    for column, field in FORM_FIELDS.items():
        values[column] = initial.get(field) or ""
    if initial.get("action") != Action.HANDOVER:
        # The form's initial data names a correction's values new_*, too: not a successor.
        values["successor_name"] = values["successor_designation"] = ""
    return [values[column] if values[column] is not None else "" for column in COLUMNS]


def return_spreadsheet(model_admin, request, return_id):
    """The return as XLSX: one row per record it covers, with the answers saved so far."""
    ret = visible_return_or_404(request, return_id)
    sections, _items = return_sections(ret)
    rows = []
    for _title, forms in sections:
        for form in forms:
            if not isinstance(form, AdditionForm):
                rows.append(record_row(form))
            elif not form.key.startswith(NEW_ADDITION):
                rows.append(addition_row(form, ret))
    content = write_xlsx([(SHEET_TITLE, COLUMNS, rows)])
    name = registry_slug(f"{ret.round.title} {ret.member_state.code}") or f"return-{ret.pk}"
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header("attachment", f"{name}.xlsx")
    return response


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def answer_value(text):
    """The Action a cell names, by value ("handover") or label ("record a handover")."""
    wanted = text.strip().casefold()
    for action in Action:
        if wanted in (action.value, str(action.label).casefold()):
            return action.value
    return text


def read_answers(ret, data):
    """
    (answers, errors): the rows of an uploaded return as {record key: Answer or None}, or the
    reasons, one per bad row ("Row 4: ..."), and no answers at all when there is any.
    """
    sheet = read_single_sheet(data, "XLSX", wanted=SHEET_TITLE)
    headers = [cell_text(header) for header in sheet.headers or []]
    missing = [column for column in ("record", "answer") if column not in headers]
    if missing:
        raise SpreadsheetError(
            _("The file has no %(columns)s column: upload the return's own spreadsheet.")
            % {"columns": ", ".join(missing)}
        )
    if len(sheet) > MAX_ROWS:
        raise SpreadsheetError(_("The file has more than %d rows.") % MAX_ROWS)
    sections, saved = return_sections(ret)
    forms_by_key = {
        form_key(form): form
        for _title, forms in sections
        for form in forms
        if not isinstance(form, AdditionForm)
    }
    answers, errors, seen = {}, [], {}
    for line, row in enumerate(sheet.dict, start=2):
        cells = {header: row.get(header) for header in headers if header}
        formula = next((c for c, v in cells.items() if isinstance(v, FormulaCell)), None)
        if formula:
            errors.append(
                _("Row %(row)d: the %(column)s cell holds a formula; give its value.")
                % {"row": line, "column": formula}
            )
            continue
        texts = {column: cell_text(value) for column, value in cells.items()}
        if not any(texts.values()):
            continue
        key = texts.get("record", "") or f"{NEW_ADDITION}{line}"
        if key in seen:
            errors.append(
                _("Row %(row)d: %(record)s is answered already in row %(first)d.")
                % {"row": line, "record": key, "first": seen[key]}
            )
            continue
        seen[key] = line
        try:
            if confirmation.is_addition(key):
                if not key.startswith(NEW_ADDITION) and key not in saved:
                    raise RowRefused(_("'%s' is not an addition of this return.") % key)
                answer = addition_answer(ret, key, texts)
            elif key in forms_by_key:
                answer = record_answer(forms_by_key[key], texts)
            else:
                raise RowRefused(_("'%s' is not a record of this return.") % key)
        except RowRefused as refused:
            errors.extend(
                _("Row %(row)d: %(message)s") % {"row": line, "message": message}
                for message in refused.messages
            )
            continue
        if answer is None and key not in saved:
            continue  # not answered, before or now
        answers[key] = answer
    return ({} if errors else answers), errors


class RowRefused(Exception):
    """Why one row of an uploaded return cannot be taken (one message or several)."""

    def __init__(self, *messages):
        super().__init__(*messages)
        self.messages = messages


def refused_form(form, subject):
    return RowRefused(
        *(
            _("%(record)s, %(column)s: %(message)s")
            % {"record": subject, "column": column_of(field), "message": message}
            for field, messages_ in form.errors.items()
            for message in messages_
        )
    )


def record_answer(page_form, texts):
    """A row about a record of the return, checked by the return page's form."""
    form = AnswerForm(form_data(page_form, texts), record=page_form.record, item=None)
    if not form.is_valid():
        raise refused_form(form, form.record)
    answer = form.answer()
    corrected = form.proposed_corrections()
    if corrected and (answer is None or answer.action != Action.CORRECT):
        raise RowRefused(
            _(
                "%(record)s: its %(columns)s changed, but its answer is not 'correct'. Write "
                "'correct' in the answer column, or put the cells back."
            )
            % {"record": form.record, "columns": ", ".join(corrected)}
        )
    return answer


def addition_answer(ret, key, texts):
    """
    A row that adds a record: no `record` (or a saved addition's "add:N"), the answer `add`,
    `kind` a city or an officer's role and, for a CSCO, the `city` (a city of the state).
    """
    action = answer_value(texts.get("answer", ""))
    if not action and not key.startswith(NEW_ADDITION):
        return None  # a saved addition whose answer was cleared: withdrawn
    if action != Action.ADD:
        raise RowRefused(_("A row without a record adds one: write 'add' in its answer column."))
    kind = texts.get("kind", "").casefold()
    csco, representative = Officer.Role.CSCO, Officer.Role.NATIONAL_REPRESENTATIVE
    state = ret.member_state
    if kind in ("city", "pilot city", str(City._meta.verbose_name).casefold()):
        kind, post = "city", ""
    elif kind in (csco.value, str(csco.label).casefold(), "csco"):
        city = state.cities.filter(name=texts.get("city", "")).first()
        if city is None:
            raise RowRefused(
                _(
                    "A new Chief Smart City Officer needs the name of one of %s's cities in its "
                    "city column."
                )
                % state
            )
        kind, post = "officer", f"city:{city.pk}"
    elif kind in (representative.value, str(representative.label).casefold()):
        kind, post = "officer", confirmation.record_key(state)
    else:
        raise RowRefused(
            _("Its kind says what is added: 'city', '%(csco)s' or '%(representative)s'.")
            % {"csco": csco.label, "representative": representative.label}
        )
    prefix = key.replace(":", "-")
    data = {
        f"{prefix}-{name}": texts.get(name, "") for name in ("name", "source_url", "source_note")
    }
    data[f"{prefix}-post"] = post
    for name in confirmation.ADDITION_FIELDS[kind]:
        data[f"{prefix}-{name}"] = texts.get(name, "")
    form = AdditionForm(data, ret=ret, kind=kind, key=key)
    if not form.is_valid():
        raise refused_form(form, form.title)
    if form.answer() is None:
        raise RowRefused(_("An addition needs a name."))
    return form.answer()


def form_data(page_form, texts):
    """The return page's POST data for one record, from its row's cells."""
    prefix = page_form.prefix
    data = {}
    for column, field in FORM_FIELDS.items():
        value = texts.get(column, "")
        data[f"{prefix}-{field}"] = answer_value(value) if column == "answer" else value
    for name in page_form.correctable:
        # A column left out of the file leaves the record's value as it is.
        value = texts.get(name)
        if value is None:
            value = page_form.initial.get(f"correct_{name}")
            value = value.isoformat() if hasattr(value, "isoformat") else value
        data[f"{prefix}-correct_{name}"] = "" if value is None else value
    return data


def column_of(field):
    for column, name in FORM_FIELDS.items():
        if name == field:
            return column
    return field.removeprefix("correct_") if field != "__all__" else _("row")


def signed_answers(ret, user, answers):
    payload = {
        key: None
        if answer is None
        else {
            "action": answer.action,
            "proposed_values": answer.proposed_values,
            "source_url": answer.source_url,
            "source_note": answer.source_note,
            "effective_date": answer.effective_date.isoformat() if answer.effective_date else None,
        }
        for key, answer in answers.items()
    }
    return signing.dumps(
        {"return": ret.pk, "user": user.pk, "answers": payload},
        salt=SIGNING_SALT,
        compress=True,
    )


def unsigned_answers(ret, user, token):
    try:
        payload = signing.loads(token, salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        return None
    if payload.get("return") != ret.pk or payload.get("user") != user.pk:
        return None
    answers = {}
    for key, value in payload["answers"].items():
        if value is None:
            answers[key] = None
            continue
        day = value.pop("effective_date")
        answers[key] = confirmation.Answer(
            **value, effective_date=datetime.date.fromisoformat(day) if day else None
        )
    return answers


def preview_row(subject, record, answer):
    """What the preview says of one answer: the action and each value now → proposed."""
    if answer is None:
        return {"record": subject, "action": _("not answered (the saved answer is cleared)")}
    values = answer.proposed_values
    if answer.action == Action.ADD:
        changes = [(k, "", v) for k, v in values.items() if k not in ("kind", "post") and v]
    elif answer.action == Action.HANDOVER:
        changes = [(_("successor's %s") % k, "", v) for k, v in values.items()]
    else:
        changes = [(k, getattr(record, k), v) for k, v in values.items()]
    return {
        "record": subject,
        "action": Action(answer.action).label,
        "changes": changes,
        "answer": answer,
    }


def preview_rows(ret, answers, saved):
    records = confirmation.records_by_key(ret)
    rows = []
    for key, answer in answers.items():
        if key in records:
            rows.append(preview_row(records[key], records[key], answer))
        elif answer is None:
            rows.append(preview_row(subject_of(saved[key]), None, None))
        else:
            place = confirmation.addition_place(ret, answer.proposed_values)
            item = ReturnItem(action=Action.ADD, proposed_values=answer.proposed_values)
            setattr(item, confirmation.ITEM_FIELDS[type(place)], place)
            rows.append(preview_row(subject_of(item), place, answer))
    return rows


def upload_return(model_admin, request, return_id):
    """POST a file: its preview (nothing saved); POST the preview's confirmation: saved."""
    ret = visible_return_or_404(request, return_id)
    if request.method != "POST":
        return HttpResponseRedirect(ret.get_absolute_url())
    if not (permissions.can_fill_return(request.user, ret) and ret.is_editable):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Upload the return of %s") % ret.member_state,
        "ret": ret,
        "opts": model_admin.model._meta,
    }
    if "confirm" in request.POST:
        answers = unsigned_answers(ret, request.user, request.POST.get("answers", ""))
        if answers is None:
            messages.error(request, _("The preview has expired or was altered; upload again."))
            return HttpResponseRedirect(ret.get_absolute_url())
        try:
            confirmation.save_answers(ret, answers, request.user)
        except confirmation.RoundError as error:
            context["errors"] = [str(error)]
            return TemplateResponse(request, TEMPLATE, context, status=error.status_code)
        messages.success(request, _("Saved %d answers from the spreadsheet.") % len(answers))
        return HttpResponseRedirect(ret.get_absolute_url())
    upload = request.FILES.get("file")
    if upload is None:
        context["errors"] = [_("Choose the return's spreadsheet (XLSX) to upload.")]
        return TemplateResponse(request, TEMPLATE, context, status=400)
    try:
        answers, errors = read_answers(ret, upload.read())
    except SpreadsheetError as error:
        answers, errors = {}, [str(error)]
    if errors:
        context["errors"] = errors
        return TemplateResponse(request, TEMPLATE, context, status=400)
    context["preview"] = preview_rows(
        ret, answers, {item.record_key: item for item in ret.items.all()}
    )
    context["answers_token"] = signed_answers(ret, request.user, answers)
    return TemplateResponse(request, TEMPLATE, context)


TEMPLATE = "admin/registry/confirmation_return_upload.html"
