"""Clean room: match people across parties without exchanging ids, release only safe aggregates.

Matching (``group``, ``identifiers``, ``runfiles``, ``matching``, ``join``) is a Diffie-Hellman
commutative-blinding protocol on files over the prime-order subgroup of Ed25519. Release rules
(``templates``, ``release``, ``noise``, ``budget``, ``export``) turn per-person rows into
pre-registered reports whose every cell covers at least k people, or is noised under a budget.
"""
