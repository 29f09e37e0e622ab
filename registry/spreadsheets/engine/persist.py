"""
Every database write of an import: persist_new() / persist_changes() write each batch with its
change history (attributed to the user and file, see registry.history.recorded_as), then the
many-to-many rows and their history.
"""

from functools import partial

from django.db import connections, router, transaction

from registry import history

from . import pgcopy


def update_from_values(model, instances, field_names, batch_size=1000):
    """
    What QuerySet.bulk_update() does, as one PostgreSQL UPDATE ... FROM (VALUES ...) per batch:
    bulk_update() builds a CASE expression per row and field, which takes most of an import
    of 50,000 changed rows to compile.
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    fields = [model._meta.get_field(name) for name in field_names]
    columns = [pk, *fields]
    row_sql = "(" + ", ".join(f"%s::{f.cast_db_type(connection)}" for f in columns) + ")"
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
    names = ", ".join(quote(f.column) for f in columns)
    with connection.cursor() as cursor:
        for start in range(0, len(instances), batch_size):
            batch = instances[start : start + batch_size]
            params = []
            for instance in batch:
                params.append(pk.get_db_prep_save(instance.pk, connection))
                params.extend(
                    f.get_db_prep_save(getattr(instance, f.attname), connection) for f in fields
                )
            cursor.execute(
                f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "
                f"FROM (VALUES {', '.join([row_sql] * len(batch))}) AS v({names}) "
                f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}",
                params,
            )


class BatchWrites:
    """RegistryResource's batched writes: django-import-export's bulk_create() / bulk_update()
    hooks, routed through persist_new() / persist_changes()."""

    def save_instance(self, instance, is_create, row, **kwargs):
        super().save_instance(instance, is_create, row, **kwargs)
        if self.m2m_values:
            self.pending_m2m.append((instance, is_create, self.m2m_values))

    def get_bulk_update_fields(self):
        return sorted(
            name
            for name in self.changed_fields
            if not self._meta.model._meta.get_field(name).many_to_many
        )

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if not self.create_instances:
            return
        self.write_batch(
            lambda: self.persist_new(list(self.create_instances), batch_size),
            self.create_instances,
            result,
            raise_errors,
        )

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if not self.update_instances and not self.pending_m2m:
            return

        def persist():
            # Rows whose only change is a many-to-many one still get a new version and a
            # historical record, with no other column written.
            if self.update_instances:
                self.persist_changes(
                    list(self.update_instances), self.get_bulk_update_fields(), batch_size
                )

        self.write_batch(persist, self.update_instances, result, raise_errors)

    def write_batch(self, persist, batch, result, raise_errors):
        """
        `persist()` and the batch's many-to-many rows with their history, in one savepoint; a
        failure is recorded as the import's error. The batch is emptied either way.
        """
        try:
            with self.batch_savepoint():
                persist()
                self.flush_m2m()
                self.record_m2m_history()
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            batch.clear()

    def batch_savepoint(self):
        """
        A savepoint around one batch's writes. django-import-export records a failed batch as
        an error and carries on inside its own savepoint, which PostgreSQL refuses to release
        after a database error ("current transaction is aborted"); rolling back to this one
        first keeps the failure a plain refusal of the file.
        """
        return transaction.atomic(using=router.db_for_write(self._meta.model))

    def uses_copy(self):
        """PostgreSQL takes an import's new rows and historical records by COPY."""
        return connections[router.db_for_write(self._meta.model)].vendor == "postgresql"

    def copy_writer(self, write):
        """A pgcopy writer for this import (which keeps the tables' id sequences), or None."""
        return partial(write, sequences=self.id_sequences) if self.uses_copy() else None

    def persist_new(self, instances, batch_size=None):
        """Every INSERT of an import goes through here, with a historical record per row."""
        history.bulk_create_with_history(
            instances,
            self._meta.model,
            batch_size or 1000,
            insert=self.copy_writer(pgcopy.copy_insert),
            write_history=self.copy_writer(pgcopy.copy_history),
        )
        # A new record has many-to-many rows only if its row gave some: the others' historical
        # records are complete already (no query for them).
        with_m2m = {id(i) for i, _new, values in self.pending_m2m if any(values.values())}
        self.unrecorded_m2m.extend(i for i in instances if id(i) in with_m2m)

    def persist_changes(self, instances, field_names, batch_size=None):
        """Every UPDATE of an import goes through here: a new version and a historical record
        per row (call record_m2m_history() once the many-to-many rows are written)."""
        history.bulk_update_with_history(
            instances,
            self._meta.model,
            field_names,
            batch_size or 1000,
            write=update_from_values if self.uses_copy() else None,
            write_history=self.copy_writer(pgcopy.copy_history),
        )
        self.unrecorded_m2m.extend(instances)

    def record_m2m_history(self):
        """Complete the historical records written so far with their many-to-many rows."""
        history.record_m2m_history(self.unrecorded_m2m, self._meta.model)
        self.unrecorded_m2m = []

    def flush_m2m(self):
        """Write the many-to-many values of the rows saved so far: two queries per field."""
        pending = [p for p in self.pending_m2m if p[0].pk is not None]
        if not pending:
            return
        self.pending_m2m = [p for p in self.pending_m2m if p[0].pk is None]
        model = self._meta.model
        for field in self.m2m_fields:
            m2m = model._meta.get_field(field.attribute)
            through = m2m.remote_field.through
            source = m2m.m2m_field_name() + "_id"
            target = m2m.m2m_reverse_field_name() + "_id"
            rows = [
                (i, values[field.attribute])
                for i, _new, values in pending
                if field.attribute in values
            ]
            existing = [
                i.pk for i, new, values in pending if not new and field.attribute in values
            ]
            if existing:
                through.objects.filter(**{f"{source}__in": existing}).delete()
            through.objects.bulk_create(
                [through(**{source: i.pk, target: o.pk}) for i, objs in rows for o in objs]
            )
