"""The HTTP API (FastAPI routers) and the app factory."""
