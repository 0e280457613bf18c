"""The desk's write paths: one function per action, each in its own transaction.

Views, the inbound pipeline, consumers and tasks validate their input and call these;
nothing else writes desk rows. See docs/desk.md for the list.
"""
