"""Benchmarks (`make bench`): each figure printed with its ratio against a reference
measured in the same run. Not part of the pass/fail suite."""
