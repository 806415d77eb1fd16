"""``flask.json.tag``'s names: the tagged serializer sessions use.

It lives in :mod:`hipflask.sessions.tag`; this module keeps the import path a
ported Flask app may use.
"""

from __future__ import annotations

from ..sessions.tag import JSONTag as JSONTag
from ..sessions.tag import PassDict as PassDict
from ..sessions.tag import PassList as PassList
from ..sessions.tag import TagBytes as TagBytes
from ..sessions.tag import TagDateTime as TagDateTime
from ..sessions.tag import TagDict as TagDict
from ..sessions.tag import TaggedJSONSerializer as TaggedJSONSerializer
from ..sessions.tag import TagMarkup as TagMarkup
from ..sessions.tag import TagTuple as TagTuple
from ..sessions.tag import TagUUID as TagUUID
