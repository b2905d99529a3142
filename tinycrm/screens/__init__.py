"""The TUI's screens, one per file. Styles shared by all are in ../app.tcss."""
