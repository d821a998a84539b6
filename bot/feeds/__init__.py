"""Following news feeds (RSS, Atom, JSON Feed): parsing, polling and their state, knowing nothing of Discord."""
