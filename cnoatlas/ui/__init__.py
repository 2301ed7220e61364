"""Thin Qt widgets that show domain objects and emit signals."""
