"""Names shared across process and language boundaries: what the widget, Rasa's channels, the
action server and the desk must spell alike.

Standard library only: rasa_ext imports it in Rasa's own venv, where none of the app's
dependencies are installed.
"""
