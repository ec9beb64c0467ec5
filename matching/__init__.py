"""matching: the ranking engine (pure library; see BRIEF section 4)."""
