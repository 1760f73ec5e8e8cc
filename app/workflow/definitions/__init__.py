"""Process definitions: reading and checking diagrams and their forms, deploying versions, the
cached runtime facts of a version, element names, test runs and readable engine errors. Imports
nothing from tasks, timers or pages."""
