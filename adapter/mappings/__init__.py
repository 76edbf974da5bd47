"""XML <-> domain, one module per message type; the registry of document types, schema
validation and the one hardened XML parser factory. lxml and xmlschema live here.

Imports the domain only.
"""
