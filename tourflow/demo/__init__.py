"""`tourflow demo`: seed a believable operator, then drive one operating day end to end.

How it talks to tourflow: every business write goes over HTTP to the running API (the same
routes a client uses, so requests, intents, workflows and subscribers all run for real).
The demo process itself only (1) creates its API key in the database, as
`tourflow keys create` does, (2) seeds the OCTO reseller and gets its key, as
`tourflow demo-reseller-key` does, and (3) reads which days earlier runs already used
(bookings whose `external_ref` starts with `demo:`), so a second run adds a new day. It
also starts the simulated OTA channels and uses their admin API (faults, planted
mismatches).

The steps live in `tourflow/demo/plan.py`, one function per step.
"""
