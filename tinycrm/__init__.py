"""tinycrm: a terminal-first CRM for solo founders and small teams."""

__version__ = "0.1.0"
