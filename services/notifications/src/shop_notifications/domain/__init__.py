"""The notifications domain: contacts, message templates and the notification record (no I/O)."""
