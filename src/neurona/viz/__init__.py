"""Plots the course uses (matplotlib, headless-friendly)."""

from .graph import draw_graph

__all__ = ["draw_graph"]
