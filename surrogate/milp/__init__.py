"""MILP: encodings of a net or a classic baseline in Pyomo, bounds, product replacement, relaxation, warm starts, polishing, solving."""
