"""The service layer: the only code that joins the store and the pure core functions.

Renderers (the command line, the web app, the report site and the PDF) call these modules
and render what they return (typed objects); they hold no analysis of their own.

- :mod:`~omradesbild.services.area` — the profile of one area in one period.
- :mod:`~omradesbild.services.city` — the city picture: every area of a level, computed once.
- :mod:`~omradesbild.services.crime` — reported offences with their coverage per year.
- :mod:`~omradesbild.services.explore` — the method explorer: the index with other weights.
- :mod:`~omradesbild.services.followup` — change, trends, transitions, police, crime, goals.
- :mod:`~omradesbild.services.geometry` — display geometry: simplified and dissolved polygons.
- :mod:`~omradesbild.services.harmonize` — crosswalks to stored layers and their use.
- :mod:`~omradesbild.services.index` — index runs (store or wide table) with uncertainty.
- :mod:`~omradesbild.services.labelled` — ingest of exports keyed by RegSO labels.
- :mod:`~omradesbild.services.layers` — the polygon layers in the store and their attributes.
- :mod:`~omradesbild.services.level` — one level computed once: indicators, index, police.
- :mod:`~omradesbild.services.levels` — indicators, change and trend at any stored level.
- :mod:`~omradesbild.services.models` — typed objects of the area and city picture.
- :mod:`~omradesbild.services.official` — SCB's published area types next to ours.
- :mod:`~omradesbild.services.partners` — partners' approved public input and interventions.
- :mod:`~omradesbild.services.pipeline` — store → indicators → index for any level.
- :mod:`~omradesbild.services.store_info` — what the store holds: summary, values, revisions.
- :mod:`~omradesbild.services.versions` — boundary versions linked from SCB's own files.
"""
