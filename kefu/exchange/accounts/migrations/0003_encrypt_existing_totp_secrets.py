"""Encrypt the TOTP secrets stored in clear before 0002 (and decrypt them on the way back).

Data migrations must not import app code, so the key is built here exactly as
``kefu.core.encryption`` builds it (first configured key, or HKDF of SECRET_KEY), and the
rows are read and written with plain SQL: the model field would try to decrypt them.
"""

import base64

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import migrations

TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts with it; base32 secrets never do


def _keyring():
    keys = list(getattr(settings, "KEFU_ENCRYPTION_KEYS", []))
    if keys:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"kefu.core.encryption.v1"
    ).derive(settings.SECRET_KEY.encode())
    return MultiFernet([Fernet(base64.urlsafe_b64encode(raw))])


def encrypt_secrets(apps, schema_editor):
    keyring = None
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, secret FROM accounts_totpdevice")
        rows = cursor.fetchall()
        for pk, secret in rows:
            if secret is None or secret.startswith(TOKEN_PREFIX):
                continue
            keyring = keyring or _keyring()
            token = keyring.encrypt(secret.encode()).decode()
            cursor.execute("UPDATE accounts_totpdevice SET secret = %s WHERE id = %s", [token, pk])


def decrypt_secrets(apps, schema_editor):
    keyring = None
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, secret FROM accounts_totpdevice")
        rows = cursor.fetchall()
        for pk, secret in rows:
            if secret is None or not secret.startswith(TOKEN_PREFIX):
                continue
            keyring = keyring or _keyring()
            clear = keyring.decrypt(secret.encode()).decode()
            cursor.execute("UPDATE accounts_totpdevice SET secret = %s WHERE id = %s", [clear, pk])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_change_codes_and_encrypted_totp_secret"),
    ]

    operations = [
        migrations.RunPython(encrypt_secrets, decrypt_secrets, elidable=False),
    ]
