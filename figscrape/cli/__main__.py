"""`python -m figscrape.cli`: the console script."""

from figscrape.cli import main_entry

main_entry()
