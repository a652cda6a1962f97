"""A Django project whose only state is its sessions (see ../README.md)."""
