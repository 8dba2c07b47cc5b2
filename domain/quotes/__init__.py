"""Quotes: tracked pursuits, frozen versions and their lines."""
