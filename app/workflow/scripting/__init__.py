"""Scripts and expressions: the sandbox and its runner process, the script environment diagrams
see, time expressions and due-date values. Imports nothing from tasks, timers or pages."""
