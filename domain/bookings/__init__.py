"""Bookings: the durable record of a sale, its lifecycle, holds, allocations, fulfillment."""
