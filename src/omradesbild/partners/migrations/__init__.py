"""Alembic migrations of the partners' database (run by :func:`omradesbild.partners.db.init_db`)."""
