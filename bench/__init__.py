"""Benchmarks of each service: p50/p99 latency, throughput, the ratio to the raw model compute."""
