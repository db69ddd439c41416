"""The knowledge base: entries, their files, the Redis store, retrieval and the decision."""
