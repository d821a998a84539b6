"""Domain errors raised by the core; each front end turns them into a readable message."""


class NewsBotError(Exception):
    """Base class: the message is meant for the user, on one line."""


class InvalidQuestion(NewsBotError):
    """The question is empty, too long or has no searchable words."""


class CorpusError(NewsBotError):
    """The corpus folder is missing, empty or holds no readable article."""


class IndexFormatError(NewsBotError):
    """A saved index is missing, corrupt or of another format version."""


class ArticleNotFound(NewsBotError):
    """No article matches the given id or title."""


class AmbiguousArticle(NewsBotError):
    """Several articles match the given title prefix."""

    def __init__(self, query: str, candidates: list[str]) -> None:
        self.candidates = candidates
        shown = "; ".join(candidates[:10])
        super().__init__(f"{query!r} matches {len(candidates)} articles: {shown}")
