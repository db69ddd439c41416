#!/bin/sh
# Prints the path of a working pythonX.Y (argument: X.Y): on PATH first, then pyenv's builds.
v="$1"
for candidate in "python$v" $HOME/.pyenv/versions/$v*/bin/python$v /usr/local/bin/python$v /usr/bin/python$v; do
  if "$candidate" -c 'import sys' >/dev/null 2>&1; then
    command -v "$candidate"
    exit 0
  fi
done
echo "Python $v not found: install it (e.g. apt-get install python$v, or pyenv install $v)" >&2
exit 1
