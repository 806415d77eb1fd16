"""Running an app: development and production servers, proxies and TLS."""
