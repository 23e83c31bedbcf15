"""A job's life: intake, the stages, running a stage under a lease, the sweeper, following."""
