"""Benchmark tools, not the app: the engine side by side with the tutorial's pipeline, the app's cost, a server."""
