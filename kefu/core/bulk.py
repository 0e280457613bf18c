"""Reading and writing many rows with plain, parameterised statements.

The chat's write path runs a handful of statements per batch of messages, hundreds of
times a second; building each through the ORM's compiler cost more CPU than the
database spent on it (docs/benchmarks.md). These helpers build the SQL from the model's
own metadata, prepare values with the fields exactly as the ORM does, and return model
instances with the values converted as the ORM converts them, so callers still work
with ordinary models.

* :func:`select_in` — ``SELECT`` every column ``WHERE a IN (…) AND b IN (…)``,
  optionally ordered by primary key and locked ``FOR UPDATE``.
* :func:`update_rows` — one ``UPDATE … WHERE pk = %s`` sent through ``executemany``
  (Django's ``bulk_update`` builds a ``CASE WHEN`` per row and field and cost more than a
  separate UPDATE per row).
* :func:`insert_rows` — ``bulk_create`` for new rows with an auto primary key, without
  the compiler: one multi-row ``INSERT … RETURNING`` per batch.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, TypeVar

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _instances(model, connection, rows)


def _converters(model: type[Model], connection: BaseDatabaseWrapper
                ) -> list[tuple[int, list[Any], Any]]:
    """(position, converters, column) for each concrete field that has converters: what
    the ORM's compiler applies to a row of ``model``, worked out once per model and
    database instead of once per query."""
    key = (model, connection.alias, connection.vendor)
    found = _converter_cache.get(key)
    if found is None:
        found = []
        for position, field in enumerate(model._meta.concrete_fields):
            column = field.get_col(model._meta.db_table)
            converters = [*connection.ops.get_db_converters(column),
                          *column.get_db_converters(connection)]
            if converters:
                found.append((position, converters, column))
        _converter_cache[key] = found
    return found


_converter_cache: dict[tuple[type[Model], str, str], list[tuple[int, list[Any], Any]]] = {}


def _instances(model: type[M], connection: BaseDatabaseWrapper,
               rows: Sequence[Sequence[Any]]) -> list[M]:
    """Model instances from rows of every concrete column in field order, converted as
    the ORM converts them (as ``Manager.raw`` would build them, without its set-up per
    query)."""
    converters = _converters(model, connection)
    names = [field.attname for field in model._meta.concrete_fields]
    instances = []
    for row in rows:
        values = list(row)
        for position, functions, column in converters:
            value = values[position]
            for function in functions:
                value = function(value, column, connection)
            values[position] = value
        instances.append(model.from_db(connection.alias, names, values))
    return instances


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


def insert_rows(objs: Sequence[M]) -> list[M]:
    """``INSERT`` new ``objs`` (all of one model, with an auto primary key) and set their pks.

    What ``bulk_create`` does for such rows — ``pre_save`` (``auto_now_add``), values
    prepared by their fields, the primary keys read back with ``RETURNING`` — without
    building the statement through the ORM's compiler, which on the chat's write path
    cost more than the insert itself. No signals, as with ``bulk_create``; a model with
    multi-table inheritance is refused. A database that cannot return the keys of a
    multi-row insert (SQLite before 3.35) gets one ``save`` per row instead (which does
    send ``pre_save``/``post_save``, with ``raw=True``), so the keys are still set.
    """
    if not objs:
        return []
    model = type(objs[0])
    meta = model._meta
    using = router.db_for_write(model)
    connection = connections[using]
    if meta.parents:
        raise ValueError(f"insert_rows cannot insert {meta.label} (multi-table inheritance)")
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    if not connection.features.can_return_rows_from_bulk_insert:
        for obj in objs:
            for field in fields:  # auto_now_add, as below; raw=True saves them as they are
                field.pre_save(obj, True)
            obj.save_base(raw=True, force_insert=True, using=using)
        return list(objs)
    quote = connection.ops.quote_name
    head = (f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - names from _meta
            f"({', '.join(quote(f.column) for f in fields)}) VALUES ")
    row = f"({', '.join(['%s'] * len(fields))})"
    returning = f" RETURNING {quote(meta.pk.column)}"
    size = max(1, connection.ops.bulk_batch_size(fields, objs))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start:start + size]
            params = [f.get_db_prep_save(f.pre_save(obj, True), connection)
                      for obj in chunk for f in fields]
            cursor.execute(head + ", ".join([row] * len(chunk)) + returning, params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = using
    return list(objs)
