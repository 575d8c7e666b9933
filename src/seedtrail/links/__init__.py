"""Shoppable links: destinations, the live link policy, mounts, and the click redirect."""
