"""The built-in exchange's gateway operations over signed HTTP (see docs/gateway.md).

This facade is the reference of what a real exchange implements for
:class:`kefu.gateway.remote.RemoteGateway`: each view verifies the signature, parses the
request strictly and calls :class:`kefu.gateway.builtin.BuiltinGateway`.
"""
