"""``CORS`` where Flask-CORS defines it (``flask_cors.extension``).

Editors often complete the import to this path; it is the same class as
``hipflask.cors.CORS``.
"""

from __future__ import annotations

from hipflask.cors import CORS as CORS

__all__ = ["CORS"]
