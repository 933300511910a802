"""Short CI versions of the benchmarks: a soak, a fuzz run, and the harness's own logic."""
