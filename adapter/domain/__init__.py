"""Pure Python: the aggregates (the agreement today), their states in the manual's words and
transition tables, the message catalogue, envelopes and acknowledgements, exchange records,
identifiers, money, periods and the error tree. No I/O, no framework.

Imports nothing of ours; everything else may import it.
"""
