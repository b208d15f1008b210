"""Builders of the five suggestion kinds, one module each."""
