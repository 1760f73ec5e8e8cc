"""The workflow engine: the only package that imports SpiffWorkflow.

- scripting/: the sandbox and its runner process, the script environment, time expressions.
- definitions/: diagrams, their checks and forms, deploy, version facts, test runs.
- instances/: the engine step, saved state and compaction, starts, recovery, instance queries.
- tasks/: human tasks, assignment, the inbox and its sync, task forms, files and notices.
- timers/: the scheduler tick and ticker, timer rows and firing, task deadlines.
- pages/: the workflow's web pages (an edge; only the app's wiring imports it).
- models, registry (the service operations domain packages register), operations (the
  workflow's own), clock (the step's `now`), cli: at the top.

scripting and definitions import nothing from tasks, timers or pages, and no module imports
another that imports it back (tools/check_layers.py checks both).
"""

from app.workflow.instances import spiff_patches  # noqa: F401  (applied before any workflow runs)
