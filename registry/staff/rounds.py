"""The confirmation rounds in the admin: opening a round, the round page, the return and its review.

The pages call registry.confirmation for every change and registry.permissions for who may
see what: a member-state editor sees only their own states' returns (another's is a 404, as if
it did not exist), the secretariat sees all, and only someone other than the submitter reviews.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import confirmation, permissions
from ..models import ConfirmationRound, MemberState, Officer, Return

Action = confirmation.Action


class OpenRoundForm(forms.ModelForm):
    """The round's title and due date, and the member states it covers (all, unless narrowed)."""

    member_states = forms.ModelMultipleChoiceField(
        label=gettext_lazy("member states"),
        queryset=MemberState.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ConfirmationRound
        fields = ["title", "due_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_states"].initial = list(
            MemberState.objects.values_list("pk", flat=True)
        )


class AnswerForm(forms.Form):
    """The state's answer about one record; the correction fields are the record's own."""

    action = forms.ChoiceField(label=gettext_lazy("answer"), required=False)
    new_name = forms.CharField(
        label=gettext_lazy("successor's name"), required=False, max_length=200
    )
    new_designation = forms.CharField(
        label=gettext_lazy("successor's designation"), required=False, max_length=500
    )
    effective_date = forms.DateField(
        label=gettext_lazy("from (handover) or on (end)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    source_url = forms.URLField(label=gettext_lazy("source URL"), required=False, max_length=500)
    source_note = forms.CharField(
        label=gettext_lazy("source note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, record, item=None, **kwargs):
        self.record = record
        prefix = confirmation.record_key(record).replace(":", "-")
        initial = {}
        if item is not None:
            initial = {
                "action": item.action,
                "effective_date": item.effective_date,
                "source_url": item.source_url,
                "source_note": item.source_note,
                **{f"new_{k}": v for k, v in item.proposed_values.items()},
            }
        super().__init__(*args, prefix=prefix, initial=initial, **kwargs)
        choices = [("", _("not answered yet"))]
        self.fields["action"].choices = choices + [
            (action.value, action.label) for action in confirmation.allowed_actions(record)
        ]
        self.correctable = confirmation.CORRECTABLE_FIELDS[type(record)]
        for name in self.correctable:
            field = record._meta.get_field(name).formfield(required=False)
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"})
            self.fields[f"correct_{name}"] = field
            value = getattr(record, name)
            if item is not None and item.action == Action.CORRECT:
                value = item.proposed_values.get(name, value)
            self.initial[f"correct_{name}"] = value
        if not isinstance(record, Officer):
            for name in ("new_name", "new_designation", "effective_date"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == Action.CORRECT:
            if not self.proposed_corrections():
                self.add_error("action", _("A correction changes at least one field."))
            if not (data.get("source_url") or data.get("source_note")):
                self.add_error(
                    "source_url", _("Give a source for the correction: a URL or a note.")
                )
        if action in (Action.HANDOVER, Action.END) and not data.get("effective_date"):
            self.add_error("effective_date", _("Give the date."))
        if action == Action.HANDOVER and not data.get("new_name"):
            self.add_error("new_name", _("Name the successor."))
        return data

    def proposed_corrections(self):
        proposed = {}
        for name in self.correctable:
            value = self.cleaned_data.get(f"correct_{name}")
            if value in (None, "") and getattr(self.record, name) in (None, ""):
                continue
            if value != getattr(self.record, name):
                proposed[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return proposed

    def answer(self):
        """The cleaned form as a confirmation.Answer, or None when unanswered."""
        data = self.cleaned_data
        action = data.get("action")
        if not action:
            return None
        proposed = {}
        if action == Action.CORRECT:
            proposed = self.proposed_corrections()
        elif action == Action.HANDOVER:
            proposed = {"name": data["new_name"], "designation": data.get("new_designation", "")}
        dated = action in (Action.HANDOVER, Action.END)
        return confirmation.Answer(
            action=action,
            proposed_values=proposed,
            source_url=data.get("source_url", ""),
            source_note=data.get("source_note", ""),
            effective_date=data.get("effective_date") if dated else None,
        )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("accept", gettext_lazy("accept")),
            ("return", gettext_lazy("return for changes")),
        ]
    )
    comment = forms.CharField(required=False, max_length=5000, widget=forms.Textarea)


def waits_on(ret):
    """Who must act next on a return, as the round page says it."""
    if ret.status == Return.Status.SUBMITTED:
        return _("the secretariat (review)")
    if ret.status == Return.Status.ACCEPTED:
        return "—"
    editors = [editor.user.get_username() for editor in ret.member_state.editors.all()]
    return ", ".join(editors) or _("%s (no editor assigned)") % ret.member_state


def round_page(model_admin, request, round_id):
    if not request.user.has_perm("registry.view_confirmationround"):
        raise PermissionDenied
    round_ = get_object_or_404(ConfirmationRound, pk=round_id)
    today = timezone.localdate()
    returns = permissions.visible_returns(
        round_.returns.with_progress().with_state_editors(), request.user
    )
    rows = []
    for ret in returns:
        ret.round = round_
        answered = ret.confirmed_count + ret.corrected_count
        rows.append(
            {
                "return": ret,
                "outstanding": max(ret.record_count - answered, 0),
                "waits_on": waits_on(ret),
                "overdue": ret.is_overdue(today),
            }
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": str(round_),
        "round": round_,
        "rows": rows,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/registry/confirmation_round.html", context)


def visible_return_or_404(request, return_id):
    ret = get_object_or_404(Return.objects.select_related("round", "member_state"), pk=return_id)
    if not permissions.can_see_return(request.user, ret):
        raise Http404
    return ret


def return_sections(ret, data=None):
    """([(title, [AnswerForm of each record])], {record key: saved item}) of a return."""
    state, representatives, cities = ret.records()
    items = {
        item.record_key: item
        for item in ret.items.select_related(
            "member_state", "city", "officer__city", "officer__member_state"
        )
    }
    for item in items.values():
        # What the reviewer compares the proposal with: the record as it is now. A handover
        # proposes a successor, a new record, so nothing of the predecessor is "now".
        if item.action == Action.HANDOVER:
            item.changes = [
                (_("successor's %s") % name, "", value)
                for name, value in item.proposed_values.items()
            ]
            continue
        item.changes = [
            (name, getattr(item.record, name, ""), value)
            for name, value in item.proposed_values.items()
        ]
    sections = []

    def form_for(record):
        return AnswerForm(data, record=record, item=items.get(confirmation.record_key(record)))

    sections.append((_("The member state"), [form_for(state)]))
    sections.append(
        (_("National representatives in post"), [form_for(r) for r in representatives])
    )
    for city in cities:
        sections.append(
            (
                _("Pilot city %s and its officers") % city,
                [form_for(city), *(form_for(officer) for officer in city.officers_in_post)],
            )
        )
    return sections, items


def return_page(model_admin, request, return_id):
    """The return: the state's answers as a form while it may change, read-only after."""
    ret = visible_return_or_404(request, return_id)
    may_fill = permissions.can_fill_return(request.user, ret) and ret.is_editable
    data = request.POST if request.method == "POST" else None
    if data is not None and not may_fill:
        raise PermissionDenied
    sections, items = return_sections(ret, data if may_fill else None)
    status = 200
    if data is not None:
        forms_ = [form for _title, section in sections for form in section]
        if all(form.is_valid() for form in forms_):
            answers = {confirmation.record_key(form.record): form.answer() for form in forms_}
            try:
                confirmation.save_answers(ret, answers, request.user)
                if "submit" in request.POST:
                    confirmation.submit(ret, request.user)
            except confirmation.RoundError as error:
                messages.error(request, str(error))
                status = error.status_code
            else:
                done = _("Submitted for review.") if "submit" in request.POST else _("Saved.")
                messages.success(request, done)
                return HttpResponseRedirect(request.path)
        else:
            messages.error(request, _("Please correct the errors below; nothing was saved."))
            status = 400
    may_review = (
        ret.status == Return.Status.SUBMITTED
        and permissions.can_review_returns(request.user)
        and ret.submitted_by_id != request.user.pk
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": str(ret),
        "ret": ret,
        "sections": sections,
        "items": sorted(items.values(), key=lambda item: item.record_key),
        "may_fill": may_fill,
        "may_review": may_review,
        "review_form": ReviewForm(),
        "overdue": ret.is_overdue(),
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(
        request, "admin/registry/confirmation_return.html", context, status=status
    )


def review(model_admin, request, return_id):
    """Accept a submitted return, or return it for changes (POST only)."""
    ret = visible_return_or_404(request, return_id)
    if request.method != "POST" or not permissions.can_review_returns(request.user):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or to return the return."))
        return HttpResponseRedirect(ret.get_absolute_url())
    try:
        if form.cleaned_data["decision"] == "accept":
            result = confirmation.accept(ret.pk, request.user)
            messages.success(request, _("Accepted: %d answers applied.") % len(result.applied))
            for item in result.conflicts:
                messages.warning(request, item.decision_note)
        else:
            confirmation.return_for_changes(ret.pk, request.user, form.cleaned_data["comment"])
            messages.success(request, _("Returned to the member state for changes."))
    except confirmation.RoundError as error:
        messages.error(request, str(error))
        return TemplateResponse(
            request,
            "admin/registry/confirmation_refused.html",
            {**model_admin.admin_site.each_context(request), "ret": ret, "message": str(error)},
            status=error.status_code,
        )
    return HttpResponseRedirect(ret.get_absolute_url())
