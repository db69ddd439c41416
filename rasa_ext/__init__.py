"""Code that runs inside the Rasa server's own environment (Python 3.10), not the action server's."""
