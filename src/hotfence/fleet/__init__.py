"""The fleet side of the crash store: listing it, serving it, collecting into it."""
