"""Field services: each module holds the rules for one kind of field work."""
