"""Key functions for particular deployments (``flask_limiter.contrib``)."""
