"""Demand history: the imported orders and searches, and the frames the analytics read."""
