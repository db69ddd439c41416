"""Custom actions of the support assistant, served by rasa-sdk (see actions/server.py)."""
