"""Request and response objects, and turning view return values into responses."""
