"""The web dashboard: server-rendered pages for brands, operators, moderators and creators,
served by the same app as the API under ``/ui`` (see docs/dashboard.md)."""
