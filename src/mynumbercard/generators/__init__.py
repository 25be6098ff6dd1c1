"""Generators: synthetic residents and card histories, the demo's data, and photos made for
the tests, the benchmarks and the ID-photo evaluation set.

Outside the production layers: only the CLI's `demo`, `residents generate` and `photo
evaluate` commands, the tests and the benchmarks import it (an import-linter contract keeps
web, bootstrap, adapters, services and the domain off it). It may use any layer below the
CLI."""
