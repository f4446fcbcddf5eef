"""Experiments: the cached unit runner, the reference problem, the sweep, the benchmarks, problem runs, writing the zoo."""
