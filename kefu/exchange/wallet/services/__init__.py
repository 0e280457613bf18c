"""Write paths of the wallet: one function per action, each in one transaction.

Row locks are always taken in this order (see lock_objects.py), so two actions can never
deadlock: customer row → balance row(s) by primary key → withdrawal row. No lock is held
while a chain adapter is called: processing claims a withdrawal, commits, talks to the
node, then records the answer in a new transaction.
"""
