"""The web app: the agent desk, and the widget's files with a demo store page that hosts it."""
