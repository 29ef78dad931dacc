"""A SimPy model of clients -> nginx -> backends that behaves like real nginx.

Pure Python: this package never imports Textual or anything of the UI.
"""
