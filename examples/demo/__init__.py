"""The demo app served by ``scripts/demo``."""
