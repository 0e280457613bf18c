"""Settings modules: ``embedded`` (the one-command demo), ``production`` and ``test``.

All of them start from :mod:`.base`, which reads everything that differs between
installations from the environment (see docs/configuration.md).
"""
