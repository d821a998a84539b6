"""newsbot: answers questions about news articles with verbatim, cited sentences."""

__version__ = "0.1.0"
