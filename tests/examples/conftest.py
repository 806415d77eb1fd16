"""The ported example app's own test suite runs through test_ported_app.py, not directly."""

collect_ignore = ["ported_app"]
