"""Persistent state: articles added per server (and globally) at run time."""
