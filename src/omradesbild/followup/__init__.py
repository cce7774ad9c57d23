"""followup."""
