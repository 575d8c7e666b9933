"""The event lake: Parquet files partitioned by event type and day, written atomically,
deduplicated by event id, on a local directory or any fsspec/pyarrow file system."""
