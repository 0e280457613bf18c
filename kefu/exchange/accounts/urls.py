from django.urls import path

from kefu.exchange.accounts.views import auth, changes, demo, freeze, security

app_name = "accounts"

urlpatterns = [
    path("signup/", auth.signup, name="signup"),
    path("login/", auth.login, name="login"),
    path("login/2fa/", auth.login_2fa, name="login_2fa"),
    path("logout/", auth.logout, name="logout"),
    path("reset/", auth.reset_start, name="reset"),
    path("reset/confirm/", auth.reset_confirm, name="reset_confirm"),
    path("security/", security.security, name="security"),
    path("activity/", security.activity, name="activity"),
    path("sessions/", security.sessions, name="sessions"),
    path("sessions/end-all/", security.sessions_end_everywhere, name="sessions_end_all"),
    path("2fa/app/", security.totp_setup, name="totp_setup"),
    path("2fa/sms/", security.sms_2fa, name="sms_2fa"),
    path("2fa/sms/off/", changes.sms_2fa_off_view, name="sms_2fa_off"),
    path("2fa/backup-codes/", changes.backup_codes_view, name="backup_codes"),
    path("2fa/send-code/", changes.second_factor_send, name="second_factor_send"),
    path("password/", changes.password_change_view, name="password_change"),
    path("email/", changes.email_change_view, name="email_change"),
    path("phone/", changes.phone_change_view, name="phone_change"),
    path("anti-phishing/", security.anti_phishing, name="anti_phishing"),
    path("freeze/", security.freeze_self, name="freeze"),
    path("freeze/<str:token>/", freeze.freeze_link, name="freeze_link"),
    path("demo/outbox/", demo.outbox, name="demo_outbox"),
]
