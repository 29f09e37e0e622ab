"""
Who may change which records, beyond Django's per-model permissions.

Django's permissions say what a user may do to a model (the "Secretariat editor" group may
change every city). A member-state editor is further limited to the cities and officers of
their own member states; everything here answers that question, for the admin and for the
spreadsheet import alike::

    if not can_edit_state(request.user, row_member_state):
        ...  # a row error: nothing is written

Model permissions are still checked separately (user.has_perm, the admin, import-export).
"""

from .models import City, MemberState, MemberStateEditor, Officer

MEMBER_STATE_EDITOR_GROUP = "Member-state editor"

# The models whose records belong to one member state, and so to its editors.
STATE_SCOPED_MODELS = (City, Officer)

_CACHE_ATTRIBUTE = "_registry_editable_state_ids"


def editable_state_ids(user):
    """The ids of the member states whose records `user` may change.

    None when the user is not limited to member states (a superuser, secretariat staff);
    a set, possibly empty, for a member-state editor: a member of the "Member-state editor"
    group, or a user with a MemberStateEditor row. Cached on the user object, so a request
    asks the database once.
    """
    if not user.is_active or not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return None
    if not hasattr(user, _CACHE_ATTRIBUTE):
        state_ids = frozenset(
            MemberStateEditor.objects.filter(user=user).values_list("member_state_id", flat=True)
        )
        limited = bool(state_ids) or user.groups.filter(name=MEMBER_STATE_EDITOR_GROUP).exists()
        setattr(user, _CACHE_ATTRIBUTE, state_ids if limited else None)
    return getattr(user, _CACHE_ATTRIBUTE)


def can_edit_state(user, member_state):
    """Whether `user` may write records of `member_state` (a MemberState or its id).

    The import path calls this for every city and officer row: a row whose state is not the
    user's is a row error. A missing state (None) is allowed only to unlimited users.
    """
    state_ids = editable_state_ids(user)
    if state_ids is None:
        return True
    state_id = member_state.pk if isinstance(member_state, MemberState) else member_state
    return state_id in state_ids


def member_state_id_of(obj):
    """The id of the member state a record belongs to, or None for records of no one state."""
    if isinstance(obj, MemberState):
        return obj.pk
    if isinstance(obj, City):
        return obj.member_state_id
    if isinstance(obj, Officer):
        return obj.city.member_state_id if obj.city_id else obj.member_state_id
    return None


def can_edit_record(user, obj):
    """Whether the member-state limit lets `user` change `obj` (model permissions aside).

    Records of no one member state (agreements, sources, ...) pass here: a member-state
    editor's group simply has no permission to change them.
    """
    if not isinstance(obj, (MemberState, *STATE_SCOPED_MODELS)):
        return True
    return can_edit_state(user, member_state_id_of(obj))


def limit_to_editable(queryset, user):
    """Narrow a City, Officer or MemberState queryset to what `user` may change."""
    state_ids = editable_state_ids(user)
    if state_ids is None:
        return queryset
    return queryset.of_member_states(state_ids)


# Confirmation rounds (registry.confirmation, registry.staff.rounds) -------------------------


def can_see_return(user, ret):
    """Viewers and the secretariat see every return; a member-state editor only their own."""
    return user.has_perm("registry.view_return") and can_edit_state(user, ret.member_state_id)


def can_fill_return(user, ret):
    """Whether `user` may answer for the return's state (the state's editors, the secretariat)."""
    return user.has_perm("registry.change_return") and can_edit_state(user, ret.member_state_id)


def can_review_returns(user):
    """Accepting or returning a return; confirmation.accept() also refuses its submitter."""
    return user.has_perm("registry.review_return")


def visible_returns(queryset, user):
    """The returns of `queryset` that `user` may see (see can_see_return)."""
    if not user.has_perm("registry.view_return"):
        return queryset.none()
    return limit_to_editable(queryset, user)
