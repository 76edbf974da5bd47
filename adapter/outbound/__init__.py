"""The dispatcher that drains the outbox, the retry policy, and the gateways (REST through
aiohttp, SOAP through zeep: zeep is imported only here).

Imports the domain, mappings and the unit-of-work interface; never inbound or persistence.
"""
