"""Reading and writing many rows with plain, parameterised statements.

The chat's write path runs a handful of statements per batch of messages, hundreds of
times a second; building each through the ORM's compiler cost more CPU than the
database spent on it (docs/benchmarks.md). These helpers build the SQL from the model's
own metadata, prepare values with the fields exactly as the ORM does, and return model
instances through ``Manager.raw`` (which applies the backend's converters), so callers
still work with ordinary models.

* :func:`select_in` — ``SELECT`` every column ``WHERE a IN (…) AND b IN (…)``,
  optionally ordered by primary key and locked ``FOR UPDATE``.
* :func:`update_rows` — one ``UPDATE … WHERE pk = %s`` sent through ``executemany``
  (Django's ``bulk_update`` builds a ``CASE WHEN`` per row and field and cost more than a
  separate UPDATE per row).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def _column(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    if not isinstance(field, Field) or not field.concrete:
        raise ValueError(f"{model._meta.label}.{name} is not a column")
    return field


def select_in(
    model: type[M], where: Mapping[str, Collection[Any]], *,
    order_by_pk: bool = False, for_update: bool = False,
) -> list[M]:
    """The rows of ``model`` whose every field named in ``where`` has one of its values.

    ``for_update`` locks them until the transaction ends where the database can (on
    SQLite the write transaction itself is the lock); lock in primary-key order, as
    every locker of that table does.
    """
    if any(not values for values in where.values()):
        return []
    meta = model._meta
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in meta.concrete_fields)
    conditions, params = [], []
    for name, values in where.items():
        field = _column(model, name)
        prepared = [field.get_db_prep_value(value, connection) for value in values]
        conditions.append(f"{quote(field.column)} IN ({', '.join(['%s'] * len(prepared))})")
        params.extend(prepared)
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {' AND '.join(conditions)}"  # noqa: S608 - names from _meta
    if order_by_pk:
        sql += f" ORDER BY {quote(meta.pk.column)}"
    if for_update and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return list(model._default_manager.raw(sql, params))


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
    concrete = [_column(model, name) for name in sorted(fields)]
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
