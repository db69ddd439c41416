"""Settings and clients for the systems the stack talks to (Redis, Rasa)."""
