"""The insurer's channels into the hub (SOAP and REST), the edge that parses and checks a
document, and one handler module per inbound message type.

Imports the domain, mappings and service layer; never outbound or persistence.
"""
