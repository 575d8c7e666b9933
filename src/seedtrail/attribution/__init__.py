"""Attribution: the spec, its engines (DuckDB, Spark), models, metrics and the published report."""
