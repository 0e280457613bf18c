"""The agent console, under /<lang>/desk/."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, path

from kefu.desk.transcripts.views import transcript_export
from kefu.desk.views import attachments as a
from kefu.desk.views import conversation as c
from kefu.desk.views import inbox as i
from kefu.desk.views import otp
from kefu.desk.views import search as s
from kefu.desk.views import withdrawals as w

app_name = "desk"

urlpatterns: list[URLPattern] = [
    path("", i.inbox, name="inbox"),
    path("presence/", i.presence, name="presence"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="desk/login.html", redirect_authenticated_user=True,
            next_page="desk:inbox",
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="desk:login"), name="logout"),
    path("otp/enrol/", otp.otp_enrol, name="otp_enrol"),
    path("otp/verify/", otp.otp_verify, name="otp_verify"),
    path("search/", s.search, name="search"),
    path("mentions/", s.mentions, name="mentions"),
    path("c/<int:pk>/", c.conversation_detail, name="conversation"),
    path("c/<int:pk>/messages/", c.conversation_messages, name="messages"),
    path("c/<int:pk>/reply/", c.reply, name="reply"),
    path("c/<int:pk>/m/<int:seq>/edit/", c.message_edit, name="message_edit"),
    path("c/<int:pk>/assign/", c.assign, name="assign"),
    path("c/<int:pk>/transfer/", c.transfer, name="transfer"),
    path("c/<int:pk>/status/", c.change_status, name="status"),
    path("c/<int:pk>/category/", c.change_category, name="category"),
    path("c/<int:pk>/reveal/<int:identity_id>/", c.reveal, name="reveal"),
    path("c/<int:pk>/canned/<int:canned_id>/", c.canned, name="canned"),
    path("c/<int:pk>/labels/", c.change_labels, name="labels"),
    path("c/<int:pk>/withdrawals/<str:ref>/retry/", w.withdrawal_retry, name="withdrawal_retry"),
    path("c/<int:pk>/withdrawals/<str:ref>/cancel/", w.withdrawal_cancel,
         name="withdrawal_cancel"),
    path("c/<int:pk>/transcript.pdf", transcript_export, name="transcript_pdf"),
    path("c/<int:pk>/attachments/<int:att_id>/", a.attachment_file, name="attachment"),
    path("c/<int:pk>/attachments/<int:att_id>/thumb/", a.attachment_thumbnail,
         name="attachment_thumb"),
]
