"""Match review: the engine's suggestions, counsellors' decisions, oversight and assignment."""
