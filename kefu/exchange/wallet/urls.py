from django.urls import path

from kefu.exchange.wallet.views import addresses, records, withdraw

app_name = "wallet"

urlpatterns = [
    path("", records.record, name="record"),
    path("withdraw/", withdraw.withdraw, name="withdraw"),
    path("withdrawals/<uuid:ref>/", records.withdrawal_detail, name="withdrawal"),
    path("withdrawals/<uuid:ref>/retry/", withdraw.retry, name="retry"),
    path("withdrawals/<uuid:ref>/cancel/", withdraw.cancel, name="cancel"),
    path("withdrawals/<uuid:ref>/resubmit/", withdraw.resubmit, name="resubmit"),
    path("withdrawals/<uuid:ref>/support/", withdraw.contact_support, name="support"),
    path("addresses/", addresses.address_book, name="addresses"),
    path("addresses/<int:pk>/delete/", addresses.address_remove, name="address_delete"),
    path("addresses/saved-only/", addresses.saved_only, name="saved_only"),
]
