"""Training: protocols, the packed trainer and the textbook loop, training benchmarks."""
