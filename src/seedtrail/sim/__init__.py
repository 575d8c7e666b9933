"""The demo-world simulator: a deterministic community with shops, buyers, boosts and bad actors.

``spec`` describes a world; ``runner.generate`` builds it and streams it to Parquet. See
docs/sim.md for the files and their columns.
"""
