"""One conversation: the log, the customer context panel, and the action forms."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.desk import selectors
from kefu.desk.errors import DeskError
from kefu.desk.forms import (
    AssignForm,
    CategoryForm,
    EditForm,
    LabelForm,
    ReplyForm,
    RevealForm,
    StatusForm,
    TransferForm,
)
from kefu.desk.models import (
    AgentProfile,
    CannedResponse,
    Category,
    Conversation,
    Label,
    Message,
    MessageKind,
    Presence,
    Team,
)
from kefu.desk.services import assignment, conversations
from kefu.desk.services import attachments as attachment_services
from kefu.desk.services import messages as message_services
from kefu.desk.services.context import customer_context, identity_reveal, mask_address
from kefu.desk.services.labels import conversation_label
from kefu.desk.services.mentions import MentionRefused, mentions_mark_read, note_post
from kefu.desk.services.queue import queue_status
from kefu.desk.services.withdrawals import customer_withdrawals
from kefu.desk.views.common import agent_required

MESSAGE_HTML_SECONDS = 24 * 3600


def _message_html(conversation: Conversation, log: list[Message]) -> None:
    """Give each message of ``log`` its rendered ``<article>`` as ``html``, from the cache.

    The log is append-only and a message's markup depends only on what is hashed here
    (its content, revisions, files, author label, the language, the time zone and the
    template itself), so the key is that content's hash: never stale, nothing to
    invalidate. Misses are rendered one by one through the same template and stored; a
    200-message page then costs one ``get_many`` instead of 200 renders.
    """
    template = get_template("desk/_messages.html")
    source: str = getattr(getattr(template, "template", None), "source", "")
    base = (
        hashlib.sha256(source.encode()).hexdigest(),
        translation.get_language(), timezone.get_current_timezone_name(), conversation.pk,
    )
    keys = {}
    for m in log:
        content = repr((
            base, m.pk, m.seq, m.kind, m.author_label, m.created_iso, m.created_label,  # type: ignore[attr-defined]
            m.body, m.body_now, m.revision_count,  # type: ignore[attr-defined]
            [(r.number, r.created_label, r.body) for r in m.revision_list],  # type: ignore[attr-defined]
            [(f.pk, f.name, f.size, f.sha256, f.thumbnail_key) for f in m.files],  # type: ignore[attr-defined]
        ))
        keys[m.pk] = "desk:msg:" + hashlib.sha256(content.encode()).hexdigest()
    cached: dict[str, str] = cache.get_many(keys.values())
    missing = {}
    for m in log:
        html = cached.get(keys[m.pk])
        if html is None:
            html = template.render({"conversation": conversation, "log": [m],
                                    "one_message": True}).strip()
            missing[keys[m.pk]] = html
        m.html = mark_safe(html)  # type: ignore[attr-defined]  # our own render, escaped
    if missing:
        cache.set_many(missing, MESSAGE_HTML_SECONDS)


def _back(pk: int) -> HttpResponse:
    return redirect(reverse("desk:conversation", args=[pk]))


def _fail(request: HttpRequest, error: DeskError | str, pk: int) -> HttpResponse:
    text = error.message if isinstance(error, DeskError) else error
    messages.error(request, text)
    return _back(pk)


@require_GET
@agent_required
def conversation_detail(request: HttpRequest, profile: AgentProfile, pk: int) -> HttpResponse:
    conversation = selectors.conversation_for(profile, pk)
    log = selectors.conversation_messages(conversation)
    _message_html(conversation, log)
    message_services.conversation_mark_read(conversation=conversation)
    mentions_mark_read(user=profile.user, conversation=conversation)
    labels_on, labels_off = selectors.conversation_labels(conversation)
    identities = [
        (identity, mask_address(identity.kind, identity.address))
        for identity in conversation.customer.identities.all()
    ]
    canned = CannedResponse.objects.filter(is_active=True).filter(
        Q(team__isnull=True) | Q(team=conversation.team)
    )
    context = {
        "profile": profile,
        "conversation": conversation,
        "log": log,
        "last_seq": log[-1].seq if log else 0,
        "events": list(conversation.events.order_by("-id")[:30]),
        "customer": conversation.customer,
        "context": customer_context(conversation.customer),
        "withdrawals": customer_withdrawals(conversation.customer),
        "labels_on": labels_on,
        "labels_off": labels_off,
        "identities": identities,
        "previous": conversation.customer.conversations.exclude(pk=conversation.pk)
        .order_by("-created_at")[:5],
        "reply_form": ReplyForm(initial={"client_msg_id": f"console-{timezone.now().timestamp()}"}),
        "canned": canned.order_by("shortcut"),
        "teams": Team.objects.all(),
        "agents": selectors.agent_users(profile),
        "categories": Category.choices,
        "presences": Presence.choices,
        "queue": queue_status(conversation=conversation),
    }
    return render(request, "desk/conversation.html", context)


@require_GET
@agent_required
def conversation_messages(request: HttpRequest, profile: AgentProfile, pk: int) -> HttpResponse:
    """Polled by htmx: the messages after ``?after=<seq>`` (the log is ordered by seq)."""
    conversation = selectors.conversation_for(profile, pk)
    try:
        after = max(int(request.GET.get("after", "0")), 0)
    except ValueError:
        after = 0
    log = selectors.conversation_messages(conversation, after_seq=after)
    _message_html(conversation, log)
    if log:
        message_services.conversation_mark_read(conversation=conversation)
    return render(request, "desk/_messages.html", {
        "conversation": conversation, "log": log, "last_seq": log[-1].seq if log else after,
        "profile": profile,
    })


@require_POST
@agent_required
def reply(request: HttpRequest, profile: AgentProfile, pk: int) -> HttpResponse:
    conversation = selectors.conversation_for(profile, pk)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _fail(request, " ".join(str(e) for errs in form.errors.values() for e in errs), pk)
    upload = form.cleaned_data.get("attachment")
    try:
        if upload is not None:
            if upload.size > attachment_services.max_bytes():
                raise attachment_services.AttachmentError("file_too_large")
            attachment_services.agent_reply_with_file(
                conversation_id=conversation.pk, author_user=profile.user,
                body=form.cleaned_data["body"], client_msg_id=form.cleaned_data["client_msg_id"],
                name=upload.name or "", data=upload.read(),
            )
        elif form.cleaned_data["kind"] == MessageKind.NOTE:
            note_post(conversation=conversation, body=form.cleaned_data["body"],
                      author=profile.user, client_msg_id=form.cleaned_data["client_msg_id"])
        else:
            message_services.message_post(
                conversation_id=conversation.pk, kind=form.cleaned_data["kind"],
                body=form.cleaned_data["body"], author_user=profile.user,
                client_msg_id=form.cleaned_data["client_msg_id"],
            )
    except (DeskError, attachment_services.AttachmentError) as exc:
        return _fail(request, exc.message, pk)
    except MentionRefused as exc:
        names = ", ".join(f"@{name}" for name in exc.usernames)
        return _fail(request, _(
            "%(names)s cannot see this conversation, so the note was not posted. "
            "Mention someone in its team, or transfer it first."
        ) % {"names": names}, pk)
    return _back(pk)


@require_POST
@agent_required
def message_edit(request: HttpRequest, profile: AgentProfile, pk: int, seq: int) -> HttpResponse:
    conversation = selectors.conversation_for(profile, pk)
    message = get_object_or_404(Message, conversation=conversation, seq=seq)
    form = EditForm(request.POST)
    if not form.is_valid():
        return _fail(request, DeskError("message_too_long"), pk)
    try:
        message_services.message_edit(
            message_id=message.pk, editor=profile.user, body=form.cleaned_data["body"]
        )
    except DeskError as exc:
        return _fail(request, exc, pk)
    return _back(pk)


@require_POST
@agent_required
def assign(request: HttpRequest, profile: AgentProfile, pk: int) -> HttpResponse:
    conversation = selectors.conversation_for(profile, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _fail(request, DeskError("not_an_agent"), pk)
    assignee_id = form.cleaned_data["assignee"]
    users = selectors.agent_users(profile)
    assignee = users.filter(pk=assignee_id).first() if assignee_id else None
    if assignee_id and assignee is None:
        return _fail(request, DeskError("not_an_agent"), pk)
    try:
        assignment.conversation_assign(
            conversation_id=conversation.pk, assignee=assignee, actor=profile.user,
            expected_assignee_id=form.cleaned_data["expected"],
        )
    except DeskError as exc:
        return _fail(request, exc, pk)
    return _back(pk)


@require_POST
@agent_required
def transfer(request: HttpRequest, profile: AgentProfile, pk: int) -> HttpResponse:
    conversation = selectors.conversation_for(profile, pk)
    form = TransferForm(request.POST)
    if not form.is_valid():
        return _fail(request, DeskError("team_not_found"), pk)
    try:
        assignment.conversation_transfer(
            conversation_id=conversation.pk, team_id=form.cleaned_data["team"], actor=profile.user
        )
    except DeskError as exc:
        return _fail(request, exc, pk)
    # After a transfer the agent may no longer see it: back to the inbox.
    return redirect("desk:inbox")


@require_POST
@agent_required
def change_status(request: HttpRequest, profile: AgentProfile, pk: int) -> HttpResponse:
    conversation = selectors.conversation_for(profile, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _fail(request, DeskError("invalid_transition"), pk)
    action = form.cleaned_data["action"]
    until = None
    if action == "snooze":
        until = timezone.now() + timedelta(hours=form.cleaned_data["snooze_hours"] or 4)
    try:
        conversations.conversation_transition(
            conversation_id=conversation.pk, action=action, actor=profile.user, snoozed_until=until
        )
    except DeskError as exc:
        return _fail(request, exc, pk)
    return _back(pk)


@require_POST
@agent_required
def change_category(request: HttpRequest, profile: AgentProfile, pk: int) -> HttpResponse:
    conversation = selectors.conversation_for(profile, pk)
    form = CategoryForm(request.POST)
    if not form.is_valid():
        return _fail(request, DeskError("unknown_category"), pk)
    conversations.conversation_set_category(
        conversation_id=conversation.pk, category=form.cleaned_data["category"],
        actor=profile.user,
    )
    return _back(pk)


@require_POST
@agent_required
def reveal(request: HttpRequest, profile: AgentProfile, pk: int, identity_id: int) -> HttpResponse:
    conversation = selectors.conversation_for(profile, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(request, "desk/_reveal_error.html",
                      {"error": DeskError("reason_required").message}, status=400)
    value = identity_reveal(
        conversation=conversation, identity_id=identity_id, actor=profile.user,
        reason=form.cleaned_data["reason"],
    )
    return render(request, "desk/_revealed.html", {"value": value})


@require_GET
@agent_required
def canned(request: HttpRequest, profile: AgentProfile, pk: int, canned_id: int) -> HttpResponse:
    """A canned response rendered for this conversation, as a filled reply box (htmx swap)."""
    conversation = selectors.conversation_for(profile, pk)
    response = get_object_or_404(CannedResponse, pk=canned_id, is_active=True)
    names: dict[str, str] = settings.KEFU_PLATFORM_NAME
    text = response.render(conversation.language, {
        "customer_name": conversation.customer.display_name,
        "agent_name": profile.display_name,
        "conversation_id": str(conversation.pk),
        "platform_name": names.get(conversation.language, names["zh-hans"]),
    })
    form = ReplyForm(initial={"body": text})
    return render(request, "desk/_reply_body.html", {"field": form["body"]})


@require_POST
@agent_required
def change_labels(request: HttpRequest, profile: AgentProfile, pk: int) -> HttpResponse:
    conversation = selectors.conversation_for(profile, pk)
    form = LabelForm(request.POST)
    label = Label.objects.filter(pk=form.cleaned_data["label"]).first() if form.is_valid() else None
    if label is None:
        return _fail(request, _("Unknown label."), pk)
    conversation_label(conversation_id=conversation.pk, label=label,
                       op=form.cleaned_data["op"], actor=profile.user)
    return _back(pk)
