"""Benchmarks of ecs-tagger: quality against peers on shared folds, speed and memory.

Run ``python -m benchmarks`` from the repository root; see benchmarks/RESULTS.md.
"""
