"""Jobs: intake, the services and stages they run, leases, the retry policy, the runner,
the sweeper, following."""
