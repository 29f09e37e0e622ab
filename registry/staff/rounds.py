"""The confirmation rounds in the admin: opening a round, the round page, the return and its review.

The pages call registry.confirmation for every change and registry.permissions for who may
see what: a member-state editor sees only their own states' returns (another's is a 404, as if
it did not exist), the secretariat sees all, and only someone other than the submitter reviews.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import confirmation, permissions
from ..models import ConfirmationRound, Return
from .round_forms import (
    AdditionForm,
    AnswerForm,
    ReviewForm,
    form_key,
    subject_of,
)

Action = confirmation.Action


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
        # proposes a successor, a new record, so nothing of the predecessor is "now"; nor has
        # an addition anything before it.
        item.subject = subject_of(item)
        if item.action == Action.ADD:
            item.changes = [
                (name, "", value)
                for name, value in item.proposed_values.items()
                if name not in ("kind", "post")
            ]
            continue
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
    additions = [
        AdditionForm(data, ret=ret, kind=item.proposed_values.get("kind"), key=key, item=item)
        for key, item in items.items()
        if confirmation.is_addition(key)
    ]
    if ret.is_editable:
        additions += [
            AdditionForm(data, ret=ret, kind=kind, key=f"{confirmation.ADD_PREFIX}new-{kind}")
            for kind in ("city", "officer")
        ]
    if additions:
        sections.append((_("Additions: pilot cities and officers not yet listed"), additions))
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
            answers = {form_key(form): form.answer() for form in forms_}
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
        "review_form": ReviewForm(items=sorted(items.values(), key=lambda item: item.record_key)),
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
    items = ret.items.select_related("member_state", "city", "officer").order_by("record_key")
    form = ReviewForm(request.POST, items=items)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(ret.get_absolute_url())
    try:
        if form.cleaned_data["decision"] == "accept":
            accepted = set(form.cleaned_data["accepted"])
            every = accepted == {item.record_key for item in items}
            result = confirmation.accept(ret.pk, request.user, only=None if every else accepted)
            messages.success(request, _("Accepted: %d answers applied.") % len(result.applied))
            if result.not_accepted:
                messages.info(request, _("%d answers not accepted.") % len(result.not_accepted))
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
