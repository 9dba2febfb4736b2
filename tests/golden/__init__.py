"""Golden baseline: stored outputs of the engine that every later engine must reproduce."""
