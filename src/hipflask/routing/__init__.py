"""URL rules, converters, the compiled matcher and URL building."""
