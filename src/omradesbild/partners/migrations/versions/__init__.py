"""Revisions of the partners' database schema, oldest first (``0001_…``, ``0002_…``)."""
