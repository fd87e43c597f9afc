"""Benchmarks: speed, picture quality, bot latency and load (each file runs as a script)."""
