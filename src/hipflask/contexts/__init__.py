"""Application and request contexts, and the proxies that read them."""
