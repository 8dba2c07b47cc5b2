"""Channel push: outbound booking, availability and content sync to channels."""
