"""Use cases, one module per workflow (agreement, authorization, receiving, operations), and
the unit-of-work interface they load and save aggregates through. Group commit lives here.

Imports the domain, the mappings (to render the documents it queues), the ports and the
rendering of PDFs; never persistence, the channels, the portal or the app.
"""
