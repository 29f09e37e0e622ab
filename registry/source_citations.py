"""What each source supports: the sources page's read model, one UNION over six tables."""

import datetime

from django.apps import apps
from django.db.models import BigIntegerField, CharField, DateField, F, Value
from django.db.models.functions import Cast, Coalesce


def _registry_models():
    """{lower-case model name: model} of the six that cite sources.

    Looked up when called, not imported: registry.models imports this module (SourceQuerySet).
    """
    names = ("network", "memberstate", "city", "officer", "agreement", "organisation")
    return {name: apps.get_model("registry", name) for name in names}


def supported_records(sources, day=None):
    """
    What each source of `sources` (a Source queryset) supports (on `day`, only the records
    of that day), as {source id: {"networks": [...], "member_states": [...], "cities": [...],
    "officers": [...], "agreements": [...], "organisations": [...]}}: unsaved instances
    holding what the sources page shows of each (names, links, posts).

    One statement, a UNION over the six tables that cite sources, where prefetching each
    relation would take six.
    """
    models = _registry_models()
    cities, officers, agreements = (
        models["city"].objects.all(),
        models["officer"].objects.all(),
        None,
    )
    if day:
        cities, officers = cities.pilot_on(day), officers.in_post_on(day)
        agreements = models["agreement"].objects.signed_by(day)
    parts = [
        ("networks", "network", {}, None),
        ("member_states", "memberstate", {}, None),
        ("cities", "city", {"related": "city__member_state"}, cities if day else None),
        ("officers", "officer", {}, officers if day else None),
        ("agreements", "agreement", {"name": "agreement__title"}, agreements),
        ("organisations", "organisation", {}, None),
    ]
    # Typed NULLs: PostgreSQL would match two untyped ones as text, then refuse a bigint.
    null_text = Cast(Value(None), CharField())
    null_id, null_day = Cast(Value(None), BigIntegerField()), Cast(Value(None), DateField())
    branches = []
    for kind, field, paths, records in parts:
        through = models[field].sources.through
        rows = through.objects.filter(source__in=sources.values("pk"))
        if records is not None:
            rows = rows.filter(**{f"{field}__in": records.values("pk")})
        related = paths.get("related")
        columns = {
            "s_source": F("source_id"),
            "s_kind": Value(kind),
            "s_pk": F(f"{field}_id"),
            "s_name": F(paths.get("name", f"{field}__name")),
            "s_slug": F(f"{field}__slug") if kind != "officers" else null_text,
            "s_related_pk": F(f"{related}_id") if related else null_id,
            "s_related_name": F(f"{related}__name") if related else null_text,
            "s_related_slug": F(f"{related}__slug") if related else null_text,
            "s_role": null_text,
            "s_day": null_day,
        }
        if kind == "officers":
            post = {"city": "officer__city", "state": "officer__member_state"}
            columns.update(
                s_related_pk=Coalesce(f"{post['city']}_id", f"{post['state']}_id"),
                s_related_name=Coalesce(f"{post['city']}__name", f"{post['state']}__name"),
                s_related_slug=Coalesce(f"{post['city']}__slug", f"{post['state']}__slug"),
                s_role=F("officer__role"),
                s_day=F("officer__start_date"),
            )
        if kind == "agreements":
            columns["s_day"] = F("agreement__date")
        branches.append(rows.annotate(**columns).values_list(*columns).order_by())
    supported = {}
    for row in branches[0].union(*branches[1:], all=True):
        source_id, kind = row[0], row[1]
        records = supported.setdefault(source_id, {name: [] for name, *_ in parts})
        records[kind].append(_supported_record(models, kind, *row[2:]))
    for records in supported.values():
        for kind, items in records.items():
            items.sort(key=SUPPORTED_ORDER[kind])
    return supported


def _supported_record(
    models, kind, pk, name, slug, related_pk, related_name, related_slug, role, day
):
    """An unsaved instance with what the sources page shows of a supported record."""
    Network, MemberState, City = models["network"], models["memberstate"], models["city"]
    Officer, Agreement, Organisation = (
        models["officer"],
        models["agreement"],
        models["organisation"],
    )
    if kind == "networks":
        return Network(pk=pk, name=name, slug=slug)
    if kind == "member_states":
        return MemberState(pk=pk, name=name, slug=slug)
    if kind == "cities":
        state = MemberState(pk=related_pk, name=related_name, slug=related_slug)
        return City(pk=pk, name=name, slug=slug, member_state=state)
    if kind == "officers":
        officer = Officer(pk=pk, name=name, role=role, start_date=day)
        if role == Officer.Role.CSCO:
            officer.city = City(pk=related_pk, name=related_name, slug=related_slug)
        else:
            officer.member_state = MemberState(pk=related_pk, name=related_name, slug=related_slug)
        return officer
    if kind == "agreements":
        return Agreement(pk=pk, title=name, slug=slug, date=day)
    return Organisation(pk=pk, name=name, slug=slug)


def _newest_first(agreement):
    # The agreements' own order on PostgreSQL: by date descending, undated first, then title.
    date = agreement.date
    return (date is not None, -date.toordinal() if date else 0, agreement.title)


# Each kind in its model's Meta.ordering (NULL dates placed as PostgreSQL places them).
SUPPORTED_ORDER = {
    "networks": lambda network: network.name,
    "member_states": lambda state: state.name,
    "cities": lambda city: (city.name, city.member_state.name),
    "officers": lambda officer: (
        officer.name,
        officer.start_date is None,
        officer.start_date or datetime.date.min,
    ),
    "agreements": _newest_first,
    "organisations": lambda organisation: organisation.name,
}
