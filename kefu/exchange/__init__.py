"""The built-in exchange: the reference platform behind the desk (accounts, wallet).

The desk never imports these modules; it talks to the platform through ``kefu.gateway``.
"""
