"""Known kernel bugs: a catalogue of signatures, affected kernels and mitigations."""
