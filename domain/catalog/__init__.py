"""Minimal catalog: products, options, units and option resource templates.

Operations reads it (slot generation, resource materialisation); OCTO exposes it.
"""
