"""Fixtures of the dashboard tests (defined in dashboard_site.py, shared with bench/)."""

from dashboard_site import browser, sim_site, site

__all__ = ["browser", "sim_site", "site"]
