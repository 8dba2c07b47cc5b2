"""Every benchmark of the suite, in run order: one line per module (name -> module path).

A module exposes `run(args) -> list[Metric]`, optionally `add_arguments(parser)`; see
bench/README.md for the protocol.
"""

BENCHMARKS: dict[str, str] = {
    "booking_throughput": "bench.booking_throughput",  # P5
    "slot_generation": "bench.slot_generation",  # P7
    "invoice_numbering": "bench.invoice_numbering",  # P8
    "availability_read": "bench.availability_read",  # availability read, 30 days
    "profitability": "bench.profitability",  # departure P&L, 10k departures
    "channel_push": "bench.channel_push",  # P1-P4 channel push (simulated OTA)
    "reconciliation": "bench.reconciliation",  # reconciliation compare, 100k links
}
