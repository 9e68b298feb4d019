"""Remission: registry, decision support and outcomes analysis for HSCT and cell therapy
in autoimmune disease."""

__version__ = "0.1.0"
