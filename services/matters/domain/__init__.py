"""Matters' rules, plain Python: the service catalogue (catalogue.py)."""
