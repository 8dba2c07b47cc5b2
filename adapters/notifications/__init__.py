"""The notification seam: finance (and others) hand messages to a Notifier."""
