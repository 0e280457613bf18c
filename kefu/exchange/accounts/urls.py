from django.urls import path

from kefu.exchange.accounts.views import auth, demo, freeze, security

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
    path("anti-phishing/", security.anti_phishing, name="anti_phishing"),
    path("freeze/", security.freeze_self, name="freeze"),
    path("freeze/<str:token>/", freeze.freeze_link, name="freeze_link"),
    path("demo/outbox/", demo.outbox, name="demo_outbox"),
]
