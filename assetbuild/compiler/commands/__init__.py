"""The commands beside ``build``: ``verify``, ``inspect``, ``check-templates``, ``watch`` and
``--archive``. Each reads a release or runs the assembly; none writes release files itself.
"""
