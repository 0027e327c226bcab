"""Developer commands: `python -m jiading_shared.devtools.<name>` (run, seed, token, bench_bus)."""
