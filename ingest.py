"""Ingest the corpus into the store: ``python ingest.py [--corpus DIR] [--store DIR] [--rebuild]``."""
import sys

from assistant.cli import ingest_parser, main

if __name__ == "__main__":
    sys.exit(main(parser=ingest_parser()))
