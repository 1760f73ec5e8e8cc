"""The workflow engine: the only package that imports SpiffWorkflow."""

from app.workflow.instances import spiff_patches  # noqa: F401  (applied before any workflow runs)
