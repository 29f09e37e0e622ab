"""
The JSON serializer of dumpdata and loaddata, which keeps a history that names deleted records.

A historical record's many-to-many rows name their record by a foreign key without a database
constraint: once the record is deleted, its history still names it. Django's serializer
writes such a key by natural key and fails when the record is gone ("Officer matching query
does not exist"); this one writes the primary key instead, which loaddata reads back as such.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers import json


class Serializer(json.Serializer):
    def handle_fk_field(self, obj, field):
        try:
            super().handle_fk_field(obj, field)
        except ObjectDoesNotExist:
            self._current[field.name] = self._value_from_field(obj, field)


Deserializer = json.Deserializer
