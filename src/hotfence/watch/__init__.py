"""`hotfence watch`: every socket() call on the host, with its context and result."""
