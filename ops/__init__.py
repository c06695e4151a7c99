"""Running GasLabel in production: heartbeats, /health/, startup checks, database roles.

Shared plumbing with no domain knowledge: domain apps call into it (the sweep writes its heartbeat
here), it never imports them.
"""
