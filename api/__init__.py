"""The thin HTTP layer: validate, write rows and intents in one transaction, commit, start."""
