"""Optional dependencies ("extras"): importing one that is missing raises the project's own error
naming the extra to install, rather than a bare ``ModuleNotFoundError``.

=========  ===========================  =====================================================
Extra      Packages                     Feature
=========  ===========================  =====================================================
postgres   psycopg                      PostgreSQL as the store (SQLite needs nothing)
spark      pyspark (and Java)           ``--engine spark`` (attribution, integrity scans)
image      pillow, zxing-cpp            QR codes in note images (``qr`` is an alias)
dp         opendp                       differential-privacy noise in clean-room releases
=========  ===========================  =====================================================
"""

from __future__ import annotations

import importlib
from types import ModuleType

from seedtrail.core.errors import ConfigError

EXTRAS: dict[str, str] = {
    "postgres": "PostgreSQL as the store",
    "spark": "the Spark engine",
    "image": "QR codes in images",
    "dp": "differential-privacy noise",
}


def require(module: str, extra: str, *, error: type[ConfigError] = ConfigError) -> ModuleType:
    """Import ``module``; when it is not installed, raise ``error`` naming ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise error(
            f"{EXTRAS[extra]} needs the optional dependency {module.split('.')[0]!r}, "
            f"which is not installed: pip install 'seedtrail[{extra}]'"
        ) from exc
