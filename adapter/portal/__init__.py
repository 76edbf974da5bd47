"""The portal frontends' JSON API (routes, typed commands, the one error shape, tokens,
CORS, OpenAPI), the operator API and health.

Imports the domain and the service layer; never mappings, inbound, outbound or persistence.
"""
