"""Personal information (SECURITY.md S19): stored SM4-GCM encrypted with a key id (sm4.py,
keys.py, stored.py, columns.py; `flask crypto rotate` in rotation.py and cli.py) and shown
masked (masking.py)."""
