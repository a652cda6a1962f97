"""``assetbuild publish`` and ``clean --remote``: the release, copied to object storage.

Owns: the destination URL, the header table, what to upload, the store adapters, the publish
records and remote clean; ``publisher`` runs them in the order that keeps every reader safe.
Must not: be imported by the runtime (it needs the ``publish`` extra), or build anything: it
publishes a release that ``assetbuild build`` made and ``verify`` passes.
"""
