"""Event intake: signed shop postbacks and community events, made durable in an inbox, then
sealed into the Parquet lake (:mod:`seedtrail.lake`)."""
