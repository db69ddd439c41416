"""One customer turn, from the message to the reply and what is recorded (conversation/turn.py)."""
