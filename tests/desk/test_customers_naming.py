"""A desk customer first seen without a name takes the account's name when it arrives."""

from __future__ import annotations

import pytest

from kefu.desk.services.customers import customer_for_account

pytestmark = pytest.mark.django_db


def test_name_is_filled_in_later_but_never_overwritten() -> None:
    first = customer_for_account(external_ref="acct-1")
    assert first.display_name == ""
    named = customer_for_account(external_ref="acct-1", display_name="li***@example.com")
    assert named.pk == first.pk
    assert named.display_name == "li***@example.com"
    again = customer_for_account(external_ref="acct-1", display_name="other")
    assert again.display_name == "li***@example.com"
