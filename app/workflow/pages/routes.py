"""The workflow pages: importing their modules registers their views on the blueprint."""

from __future__ import annotations

from app.workflow.pages import process_pages, task_pages
from app.workflow.pages.blueprint import bp

__all__ = ["bp", "process_pages", "task_pages"]
