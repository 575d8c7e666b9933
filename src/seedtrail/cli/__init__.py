"""The ``seedtrail`` command line: the front door to every capability."""
