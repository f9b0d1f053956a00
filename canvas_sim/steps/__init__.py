"""Step kinds: one module each (params, reference checks, handler, events), listed in registry."""
