"""``cross_origin`` where Flask-CORS defines it (``flask_cors.decorator``).

Editors often complete the import to this path; it is the same function as
``hipflask.cors.cross_origin``.
"""

from __future__ import annotations

from hipflask.cors import cross_origin as cross_origin

__all__ = ["cross_origin"]
