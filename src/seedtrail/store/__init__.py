"""The OLTP store: SQLAlchemy Core tables, the engine, Alembic migrations, one module per noun."""
