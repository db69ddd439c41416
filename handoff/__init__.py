"""Handoffs to people: the durable queue in Redis, contact history, the context summary."""
