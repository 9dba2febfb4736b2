"""Many simulations: experiment specs, the batch runner and its executors, analysis, the CLI."""
