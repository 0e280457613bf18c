"""update_rows: one prepared UPDATE for many rows, each with its own values."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.core.bulk import update_rows
from kefu.desk.models import DeskCustomer

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
