"""CLI command groups, one module per concern; each has ``register(app)``.

Keep module-level imports light: ``tinycrm --help`` imports every module here,
so heavy libraries (textual, keyring, rapidfuzz, format parsers) are imported
inside the command functions that need them.
"""
