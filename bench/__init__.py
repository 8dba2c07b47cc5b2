"""Benchmarks: each prints tourflow's figure next to a baseline measured in the same run."""
