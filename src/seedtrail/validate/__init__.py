"""Checks of seedtrail's figures against simulated worlds whose truth is known."""
