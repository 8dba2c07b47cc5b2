"""Availability: rules, slots, closeouts, holds, allocation resources and pickups."""
