from ninja import Router

router = Router(tags=["help center"])
