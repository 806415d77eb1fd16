"""One app per framework, each written the way that framework's users write one.

Every module exposes ``app``; the runners import ``apps.<name>:app`` with the
``bench`` folder on ``sys.path``.
"""
