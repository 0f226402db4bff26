"""`python -m hotfence` runs the command line."""

from hotfence.cli import main

main(prog_name="hotfence")
