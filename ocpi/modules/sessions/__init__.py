"""Sessions module (`sessions`): charging sessions, owned by the CPO."""
