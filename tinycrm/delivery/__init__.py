"""Reminder delivery: the stdout, email (SMTP) and command channels, and the
run that claims due items, delivers them and records each delivery.

Depends on the store (``store/reminders.py`` does the claiming and the
bookkeeping); the store never imports this package. Heavy modules (smtplib,
ssl, email, keyring) load only when the email channel is used.
"""
