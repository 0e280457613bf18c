"""Writing many rows with one prepared statement.

Django's ``bulk_update`` builds one ``CASE WHEN pk = … THEN …`` per row and field and
compiles it each time: for the chat's batches of conversations that cost more than a
separate UPDATE per row (docs/benchmarks.md). :func:`update_rows` sends one parameterised
``UPDATE … WHERE pk = %s`` through ``executemany`` instead: the SQL is built once, from
the model's own metadata, and each row's values are prepared by their fields exactly as
``Model.save`` prepares them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model


def update_rows(objs: Sequence[Model], fields: Collection[str]) -> None:
    """``UPDATE`` ``fields`` of every object in ``objs`` (all of one model) from its values.

    No signals and no ``pre_save`` (``auto_now`` is not applied), as with ``bulk_update``:
    the caller sets every value it writes.
    """
    if not objs or not fields:
        return
    model = type(objs[0])
    meta = model._meta
    using = router.db_for_write(model)
    connection = connections[using]
    quote = connection.ops.quote_name
    concrete: list[Field[Any, Any]] = []
    for name in sorted(fields):
        field = meta.get_field(name)
        if not isinstance(field, Field) or not field.concrete:
            raise ValueError(f"{meta.label}.{name} is not a column")
        concrete.append(field)
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in concrete)
    sql = (f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 - names from _meta
           f"WHERE {quote(meta.pk.column)} = %s")
    params = [
        [*(field.get_db_prep_save(getattr(obj, field.attname), connection)
           for field in concrete),
         meta.pk.get_db_prep_value(obj.pk, connection)]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
