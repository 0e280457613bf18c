"""Account pages. Views parse input with a form and call one service; nothing more."""
