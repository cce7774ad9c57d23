"""The service layer: the only code that joins the store and the pure core functions.

Renderers (the command line, the web app, the report site and the PDF) call these modules
and render what they return; they hold no analysis of their own.

- :mod:`~omradesbild.services.pipeline` — store → indicators → index for any level.
- :mod:`~omradesbild.services.followup` — change, trends, transitions, police, crime, goals.
- :mod:`~omradesbild.services.harmonize` — crosswalks to stored layers and their use.
- :mod:`~omradesbild.services.index` — index runs (store or wide table) with uncertainty.
- :mod:`~omradesbild.services.store_info` — what the store holds: summary, values, revisions.
"""
