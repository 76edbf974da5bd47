"""The agreement's text and PDF (reportlab) and its PAdES signature (pyHanko).

Imports the domain only.
"""
