"""Running instances: starting them, the engine step and its working set, the saved state (and
its compaction), the rows a step writes, recovery, SpiffWorkflow's patches and the read-side
queries of instances."""
