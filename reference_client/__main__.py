"""``python -m reference_client``: same as the ``stt-client`` console script."""

from .cli import main

main()
