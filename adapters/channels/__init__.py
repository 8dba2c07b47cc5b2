"""Channel adapters: the outbound SourceAdapter contract, the HTTP adapter, the simulated OTA."""
