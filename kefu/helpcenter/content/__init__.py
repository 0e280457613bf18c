"""Import and export of the whole help center as files (see docs/helpcenter-content.md)."""

from kefu.helpcenter.content.exporter import export_json, export_markdown
from kefu.helpcenter.content.importer import ContentError, import_path, load_bundle

__all__ = ["ContentError", "export_json", "export_markdown", "import_path", "load_bundle"]
