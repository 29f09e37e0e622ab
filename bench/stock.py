"""
django-import-export's stock ModelResource for officers: the baseline that the import and the
export sections measure the project's resource against.
"""

from import_export import fields, resources, widgets

from bench import data
from registry.models import City, MemberState, Officer


class StockOfficerResource(resources.ModelResource):
    """django-import-export's defaults; foreign keys by a natural field with the stock widget."""

    city = fields.Field(
        attribute="city", column_name="city", widget=widgets.ForeignKeyWidget(City, "name")
    )
    member_state = fields.Field(
        attribute="member_state",
        column_name="member_state",
        widget=widgets.ForeignKeyWidget(MemberState, "code"),
    )

    class Meta:
        model = Officer
        fields = data.OFFICER_COLUMNS
        import_id_fields = ["city", "member_state", "name", "start_date"]
