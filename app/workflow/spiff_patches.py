"""Two process-wide adjustments to SpiffWorkflow 3.2.0, applied once at import.

- Naive date-times in timer expressions mean China Standard Time, not the server's zone.
- Task searches stop at depth 1000 by default, which silently stalls a gateway loop after a few
  hundred turns (SpiffWorkflow #441); every search here goes as deep as the tree is.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer
from SpiffWorkflow.util.task import TaskIterator

DEEP_SEARCH = 10**7

timer.LOCALTZ = ZoneInfo("Asia/Shanghai")

# __init__(self, task, end_at_spec=None, max_depth=1000, depth_first=True, task_filter=None)
_defaults: tuple[object, ...] = TaskIterator.__init__.__defaults__ or ()
if _defaults[1:2] == (1000,):
    TaskIterator.__init__.__defaults__ = (_defaults[0], DEEP_SEARCH, *_defaults[2:])
