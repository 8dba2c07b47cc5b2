"""Distribution: channels, contracts, commission, mappings, allotments, suppliers, refs.

Depends on bookings and availability; neither of them imports anything from here.
"""
