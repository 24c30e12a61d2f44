"""Notify's rules, in plain Python with no I/O.

templates  a versioned template and how it renders, in the citizen's language
triggers   which event tells the citizen what (one table entry per event)
inbox      pages of the in-app inbox and their opaque, signed cursors
"""
