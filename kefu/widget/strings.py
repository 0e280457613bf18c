"""Every text the chat widget shows, from the server's catalogs (zh-Hans / en).

The page renders them into a JSON data block (``json_script``), so the widget's script
needs no translation machinery of its own and the page runs no inline script.
Placeholders are ``{name}`` and filled in by the script.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def widget_strings() -> dict[str, str]:
    return {
        "title": _("Live chat"),
        "subtitle": _("Official support"),
        "close": _("Minimise the chat"),
        "open_now": _("Open now"),
        "open_until": _("Open now · until {time}"),
        "closed": _("Away right now"),
        "back_at": _("Back at {time}"),
        "offline_note": _("Leave a message: we answer as soon as we are back."),
        "placeholder": _("Type your question…"),
        "send": _("Send"),
        "attach": _("Attach an image or PDF"),
        "suggested": _("These articles may answer it right away:"),
        "pending": _("Sending…"),
        "sent": pgettext("message state", "Sent"),
        "read": pgettext("message state", "Read"),
        "failed": _("Not sent: {reason}"),
        "typing": _("{name} is typing…"),
        "agent": _("Support"),
        "you": _("You"),
        "queue": _("You are number {position} in the queue, about {minutes} min."),
        "queue_next": _("You are next in the queue."),
        "connecting": _("Connecting…"),
        "offline": _("You are offline. Messages will be sent when you are back online."),
        "reconnecting": _("Connection lost, reconnecting…"),
        "token_problem": _("Please reload the page to continue the chat."),
        "origin_problem": _("This website is not allowed to open the chat."),
        "resolved": _("This conversation was marked as solved."),
        "rate_prompt": _("How did we do?"),
        "rate_star": _("{n} of 5"),
        "rate_comment": _("Anything to add? (optional)"),
        "rate_submit": _("Send rating"),
        "rate_thanks": _("Thank you for your rating."),
        "transcript": _("Download transcript (PDF)"),
        "new_chat": _("Start a new chat"),
        "file_too_large": _("This file is larger than {size} MB."),
        "file_type": _("Only images (PNG, JPEG, WebP, GIF) and PDF files can be sent."),
        "upload_failed": _("The file could not be uploaded."),
        "uploading": _("Uploading…"),
        "remove_file": _("Remove {name}"),
        "welcome": _("Hello! Ask us anything; an agent will reply here."),
        "safety": _("We will never ask for your password, 2FA or SMS codes, or seed phrase."),
        "error": _("Something went wrong. Please try again."),
    }
