"""Protections that are on by default and cost next to nothing per request.

Each module here turns its settings into a small immutable policy once, at
application start-up, and rejects a bad setting there with a
:class:`~hipflask.errors.ConfigurationError` instead of letting it surface as a
silent hole in production. Per request, a policy does a few dict, set and
tuple operations and knows nothing about WSGI, ASGI or the application.

* :mod:`hipflask.security.headers`: response headers against sniffing,
  framing (clickjacking), referrer leaks, cross-window attacks and HTTPS
  downgrade, with an optional per-request-nonce Content Security Policy.
* :mod:`hipflask.security.origin`: refusal of cross-site unsafe requests
  (CSRF) from Fetch Metadata and the ``Origin`` header, with no token to
  put in templates.
* :mod:`hipflask.security.cors`: which other origins may read which
  responses (the policy behind :mod:`hipflask.cors`).
* :mod:`hipflask.security.ratelimit`: request budgets counted in a store,
  with a blocking and an asyncio driver and a defined answer when the store
  is down (the core behind :mod:`hipflask.limiter`).
"""
