"""One module per vendor, each behind the contract in base.py."""
