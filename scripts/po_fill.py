"""Fill msgstr entries of a .po catalog from a Python dict file (maintainer tool).

    .venv/bin/python scripts/po_fill.py locale/zh_Hans/LC_MESSAGES/django.po translations.py

The dict file defines ``T = {msgid: msgstr}``; plural msgids are tuples; entries with a
context are keyed ``"context|msgid"``. Entries given
here replace fuzzy guesses and clear the fuzzy flag. Prints what is still untranslated.
"""

from __future__ import annotations

import runpy
import sys

from babel.messages.pofile import read_po, write_po


def main(po_path: str, table_path: str) -> int:
    table = runpy.run_path(table_path)["T"]
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else tuple(message.id)
        if message.context:
            # Context-specific entries are keyed "context|msgid" so a plain msgid never
            # overwrites them.
            key = f"{message.context}|{message.id}" if isinstance(message.id, str) else None
        if key is not None and key in table:
            message.string = table[key]
            message.flags.discard("fuzzy")
    with open(po_path, "wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False)
    missing = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not all([m.string] if isinstance(m.string, str) else m.string))
    ]
    for msgid in missing:
        print("untranslated:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
