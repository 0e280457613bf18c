"""The font embedded in every transcript: Noto Sans CJK from a PyPI package.

No CJK font is installed on a fresh machine, so the project ships one through the
``cvttf-notosanscjk-regular`` wheel (OpenType with CFF outlines, SIL Open Font License).
fpdf2 (>= 2.8) embeds CFF outlines directly as a subset ``FontFile3`` stream, so no
conversion to TrueType is needed; only the glyphs a transcript uses end up in the file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

FONT_PACKAGE = "cvttf_NotoSansCJK_Regular"
FONT_FILE = "NotoSansCJKtc-Regular.otf"
# Shown instead of a character the font lacks (emoji, rare symbols): a box, not a crash.
PLACEHOLDER = "□"


def font_path() -> Path:
    """Path of the OTF inside the installed package (a real file: wheels install unzipped)."""
    return Path(str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE)))
