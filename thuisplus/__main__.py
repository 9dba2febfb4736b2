"""``python -m thuisplus``: the ``thuisplus`` command."""

from thuisplus.cli import main

if __name__ == "__main__":
    main()
