"""update_rows: one prepared UPDATE for many rows; insert_rows: one INSERT for many."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.core.bulk import insert_rows, select_in, update_rows
from kefu.desk.models import Conversation, DeskCustomer, InboundMessage, InboundState
from kefu.desk.services.conversations import conversation_open

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_and_only_the_fields_named() -> None:
    first, second, untouched = (DeskCustomer.objects.create(kind="visitor", display_name=n)
                                for n in ("a", "b", "c"))
    first.display_name, first.language = "张三", "en"
    second.display_name, second.language = "Li Si", "zh-hans"
    second.kind = "account"  # changed in memory, not named: stays as stored
    with CaptureQueriesContext(connection) as queries:
        update_rows([first, second], {"display_name", "language"})
    assert len(queries) == 1
    rows = dict(DeskCustomer.objects.values_list("pk", "display_name"))
    assert rows == {first.pk: "张三", second.pk: "Li Si", untouched.pk: "c"}
    assert DeskCustomer.objects.get(pk=first.pk).language == "en"
    assert DeskCustomer.objects.get(pk=second.pk).kind == "visitor"


def test_nothing_to_write_sends_nothing() -> None:
    customer = DeskCustomer.objects.create(kind="visitor")
    with CaptureQueriesContext(connection) as queries:
        update_rows([], {"display_name"})
        update_rows([customer], set())
    assert len(queries) == 0


def test_a_name_that_is_not_a_column_is_refused() -> None:
    customer = DeskCustomer.objects.create(kind="visitor")
    with pytest.raises(ValueError, match="not a column"):
        update_rows([customer], {"conversations"})


def test_insert_rows_stores_every_field_and_reads_the_keys_back_in_order() -> None:
    rows = [InboundMessage(channel="web", idempotency_key=f"k{n}", state=InboundState.ACCEPTED,
                           payload={"text": f"第{n}条", "n": n}, redactions=[])
            for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        assert insert_rows(rows) == rows
    assert len(queries) == 1
    assert all(row.pk is not None and not row._state.adding for row in rows)
    stored = {r.pk: r for r in InboundMessage.objects.all()}
    for n, row in enumerate(rows):
        again = stored[row.pk]
        assert (again.idempotency_key, again.payload) == (f"k{n}", {"text": f"第{n}条", "n": n})
        assert again.received_at is not None  # auto_now_add, as bulk_create sets it
    assert insert_rows([]) == []


def test_insert_rows_splits_what_one_statement_cannot_take(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 2)
    rows = [DeskCustomer(kind="visitor", display_name=str(n)) for n in range(5)]
    with CaptureQueriesContext(connection) as queries:
        insert_rows(rows)
    assert len(queries) == 3
    assert [c.display_name for c in DeskCustomer.objects.order_by("pk")] == list("01234")
    assert [r.pk for r in rows] == list(DeskCustomer.objects.order_by("pk").values_list(
        "pk", flat=True))


def test_select_in_builds_the_same_instances_as_the_orm() -> None:
    customer = DeskCustomer.objects.create(kind="visitor", display_name="王五")
    opened = [conversation_open(customer=customer, channel="web", category="withdrawal",
                                context={"tx": "0xabc", "amount": "1.5"}) for _ in range(3)]
    wanted = {opened[0].pk, opened[2].pk}
    rows = select_in(Conversation, {"pk": wanted, "customer": [customer.pk]}, order_by_pk=True)
    assert [row.pk for row in rows] == sorted(wanted)
    for row in rows:
        orm = Conversation.objects.get(pk=row.pk)
        for field in Conversation._meta.concrete_fields:  # datetimes aware, JSON decoded …
            assert getattr(row, field.attname) == getattr(orm, field.attname), field.name
        assert not row._state.adding
    assert select_in(Conversation, {"pk": []}) == []


def test_insert_rows_sets_keys_row_by_row_where_a_multi_row_insert_returns_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    rows = [DeskCustomer(kind="visitor", display_name=str(n)) for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        insert_rows(rows)
    assert len([q for q in queries if q["sql"].startswith("INSERT")]) == 3
    assert [(r.pk, r.display_name) for r in rows] == list(
        DeskCustomer.objects.order_by("pk").values_list("pk", "display_name"))
