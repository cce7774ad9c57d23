"""The omradesbild command line."""
