"""Enforcement: cases opened from detections, actions with effects, appeals, reversals.

See docs/enforcement.md. Modules: ``subjects`` (what a case is about), ``cases`` (the queue),
``actions`` (effects and exact reversal), ``appeals``, ``intake`` (findings and campaigns files),
``autopolicy`` (optional automatic actions).
"""
