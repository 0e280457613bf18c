"""Encryption of small secrets at rest: round trip, tampering, rotation, the stored column."""

from __future__ import annotations

import importlib

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from kefu.core.encryption import (
    DecryptionError,
    decrypt_text,
    encrypt_text,
    generate_key,
    looks_encrypted,
    rotate_text,
)

OLD, NEW = generate_key(), generate_key()


def test_round_trip_and_every_encryption_differs() -> None:
    first, second = encrypt_text("JBSWY3DPEHPK3PXP"), encrypt_text("JBSWY3DPEHPK3PXP")
    assert first != second
    assert looks_encrypted(first)
    assert "JBSWY3DPEHPK3PXP" not in first
    assert decrypt_text(first) == decrypt_text(second) == "JBSWY3DPEHPK3PXP"
    assert decrypt_text(encrypt_text("密钥 ✓")) == "密钥 ✓"


def test_tampering_is_detected() -> None:
    token = encrypt_text("secret")
    middle = len(token) // 2
    forged = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]
    with pytest.raises(DecryptionError):
        decrypt_text(forged)
    with pytest.raises(DecryptionError):
        decrypt_text("not a token")


def test_rotation_first_key_encrypts_all_decrypt() -> None:
    with override_settings(KEFU_ENCRYPTION_KEYS=[OLD]):
        old_token = encrypt_text("seed")
    with override_settings(KEFU_ENCRYPTION_KEYS=[NEW, OLD]):
        assert decrypt_text(old_token) == "seed"
        rotated = rotate_text(old_token)
        assert Fernet(NEW.encode()).decrypt(rotated.encode()) == b"seed"
    with override_settings(KEFU_ENCRYPTION_KEYS=[NEW]):
        assert decrypt_text(rotated) == "seed"
        with pytest.raises(DecryptionError):
            decrypt_text(old_token)  # its key was dropped


def test_derived_key_depends_on_secret_key() -> None:
    with override_settings(KEFU_ENCRYPTION_KEYS=[], SECRET_KEY="a" * 50):
        token = encrypt_text("seed")
        assert decrypt_text(token) == "seed"
    with override_settings(KEFU_ENCRYPTION_KEYS=[], SECRET_KEY="b" * 50), \
            pytest.raises(DecryptionError):
        decrypt_text(token)


def test_bad_key_configuration_is_a_clear_error() -> None:
    with override_settings(KEFU_ENCRYPTION_KEYS=["not-a-key"]), \
            pytest.raises(ImproperlyConfigured, match="item 1"):
        encrypt_text("x")


@pytest.mark.django_db
def test_column_holds_ciphertext() -> None:
    from kefu.exchange.accounts.models import Customer, TotpDevice

    customer = Customer.objects.create(email="enc@example.com", password="x")
    TotpDevice.objects.create(customer=customer, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice")
        (raw,) = cursor.fetchone()
    assert looks_encrypted(raw)
    assert "JBSWY3DP" not in raw
    assert TotpDevice.objects.get().secret == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.mark.django_db
def test_tampered_column_refuses_to_load() -> None:
    from kefu.exchange.accounts.models import Customer, TotpDevice

    customer = Customer.objects.create(email="enc@example.com", password="x")
    TotpDevice.objects.create(customer=customer, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_totpdevice SET secret = %s", ["gAAAAAforged"])
    with pytest.raises(DecryptionError):
        TotpDevice.objects.get()


@pytest.mark.django_db
def test_data_migration_encrypts_clear_rows_and_back() -> None:
    from django.apps import apps

    from kefu.exchange.accounts.models import Customer, TotpDevice

    migration = importlib.import_module(
        "kefu.exchange.accounts.migrations.0003_encrypt_existing_totp_secrets"
    )
    customer = Customer.objects.create(email="old@example.com", password="x")
    TotpDevice.objects.create(customer=customer, secret="placeholder")
    clear = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_totpdevice SET secret = %s", [clear])

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.encrypt_secrets(apps, editor)
    migration.encrypt_secrets(apps, editor)  # idempotent: encrypted rows are left alone
    assert TotpDevice.objects.get().secret == clear
    migration.decrypt_secrets(apps, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice")
        assert cursor.fetchone()[0] == clear
