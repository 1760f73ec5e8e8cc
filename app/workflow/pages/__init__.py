"""The workflow's web pages (an edge): the blueprint and what its pages share, the process and
instance pages, the task pages. Only the app's wiring (`app.setup`) imports them."""
