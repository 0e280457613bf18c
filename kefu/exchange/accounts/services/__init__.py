"""Write paths of customer accounts: one function per action.

Row locks are always taken in this order, so two actions can never deadlock:
customer row (or the throttle row of an identifier without account) → one-time code /
TOTP / backup-code rows of that customer → the IP throttle row.
"""
