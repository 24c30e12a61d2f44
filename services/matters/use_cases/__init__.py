"""Matters' steps, each one transaction: applying and acting on applications."""
